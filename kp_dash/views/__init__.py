"""How answers look: the Streamlit glue (`ui` for the page frame and widgets, `cached` for what
the pages read: the only modules that import streamlit), chart and map builders, display tables
and sentences, the source list, the briefing and memo PDFs, exports, import templates and the page
helpers. Imports from `numbers` and `store`."""
