"""Questions answered from the database, as frames and plain values: the metric registry and its
one `fetch`, the cross-district model and inequality, groups, trends, planning, quality, profile
and summaries. Imports from `store` only; never from `views`, never streamlit."""
