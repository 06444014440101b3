"""How answers look: the Streamlit glue (`ui`, the only module that imports streamlit), chart and
map builders, display tables and sentences, the source list, the briefing and memo PDFs, exports,
import templates and the page helpers. Imports from `numbers` and `store`."""
