"""Data: check and import department files, map their columns, confirm district spellings, import
log, templates."""

import streamlit as st

from kp_dash.store import batches
from kp_dash.views import auth, cached, language, language_ui, templates, ui
from kp_dash.views import column_mapping as cm
from kp_dash.views import data_page as dp
from kp_dash.views.language import N_

user = ui.enter("Data")
lang, t = language_ui.current(), language_ui.t
address = auth.address()
ui.title("Data")
laid_out = N_(
    "Usage, indicators, targets or events files laid out as the templates below; a file is "
    "accepted whole or not at all, and the same file is never counted twice."
)
st.caption(t(laid_out))
st.caption(t(dp.DEMO_RULE))
if cached.stamp() is None:
    st.info(t(N_("There is no database yet: the first accepted import builds one.")))


server_limit_mb = st.get_option("server.maxUploadSize")
upload = st.file_uploader(
    t(N_("Department file")),
    type=list(dp.UPLOAD_TYPES),
    key="data_upload",
    max_upload_size=dp.upload_limit_mb(server_limit_mb),
)
st.caption(dp.upload_note(server_limit_mb, lang))
choose_log = {"index": None, "placeholder": t(N_("Choose a log")), "key": "data_log"}
on_server = st.selectbox(t(dp.LOG_LABEL), dp.server_logs(), **choose_log)
st.caption(dp.server_logs_note(lang))
left, beside, middle, right = st.columns(4)
kind_label = {"key": "data_kind", "format_func": lambda k: dp.kind_label(k, lang)}
kind = left.selectbox(t(N_("Kind")), dp.KIND_CHOICES, **kind_label)
source = beside.text_input(t(dp.SOURCE_LABEL), key="data_source", max_chars=120)
sheet = middle.text_input(t(N_("Excel sheet (blank: the first)")), key="data_sheet")
if user.via == "open":  # no login: the name typed is recorded, else the login name
    who = right.text_input(t(N_("Your name")), key="data_who").strip() or None
else:
    who = user.name
    recorded = language.say(N_("Recorded as **{name}**"), lang, name=ui.plain(user.name))
    right.caption(recorded + dp.districts_note(user.districts))
request, refused = dp.chosen(upload, on_server, kind, sheet, who, user.districts, address, source)
if refused is not None:
    getattr(st, refused.level)(refused.message)
if request is not None:
    check, go, _ = st.columns([1, 1, 4])
    if check.button(t(N_("Check file")), key="data_check"):
        st.session_state["data_result"] = (request, request.run(dry_run=True))
    if go.button(t(N_("Import")), key="data_import", type="primary"):
        bar = st.progress(0.0, text=dp.importing_text(request.display_name))
        result = request.run(progress=dp.bar_progress(bar, request.display_name))
        st.session_state["data_result"] = (request, result)
        if result.status == "accepted":
            cached.data_changed()
    shown, result = st.session_state.get("data_result", (None, None))
    if flash := st.session_state.pop("data_map_flash", None):
        getattr(st, flash.level)(flash.message)
    if result is not None and shown == request:
        outcome = dp.outcome(result, request.display_name)
        getattr(st, outcome.level)(outcome.message)
        if notes := dp.recognised(result):
            recognised = t(N_("**Recognised in the file** (check before importing)"))
            st.markdown(recognised + "\n\n" + notes)
        if not (problems := dp.problem_table(result)).empty:
            headed = dp.problems_headed(problems, lang)
            message = headed.columns[list(problems.columns).index("message")]
            widths = {message: dp.PROBLEM_COLUMN_CONFIG["message"]}
            st.dataframe(headed, hide_index=True, column_config=widths)
            st.download_button(**dp.report_download(result))
            ui.download_table(user, problems, "import_report", "data_report_table")
        if spellings := dp.spellings(result, user.districts):
            st.markdown(t(N_("**Close matches for district names**: tick those that are right.")))
            boxes = [st.checkbox(s.label, key=f"data_confirm_{i}") for i, s in enumerate(spellings)]
            ticked = [s for s, box in zip(spellings, boxes, strict=True) if box]
            save = t(N_("Save confirmed spellings"))
            if st.button(save, key="data_save_aliases", disabled=not ticked):
                for spelling in ticked:
                    batches.confirm_alias(
                        spelling.spelling, spelling.district_code, who=who, address=address
                    )
                st.session_state["data_result"] = (request, request.run(dry_run=True))
                st.rerun()
        if form := cm.mapping_form(request, result):
            st.markdown(cm.MAPPING_INTRO)
            map_kind = form.kind or st.selectbox(**cm.MAP_KIND_WIDGET)
            picks = [st.selectbox(**box) for box in form.selectboxes(map_kind)]
            if wait := cm.mapping_wait(form, map_kind, picks, source):
                st.warning(wait)
            if st.button(t(N_("Confirm mapping")), key="data_map_confirm", disabled=bool(wait)):
                saved = cm.confirm_mapping(form, map_kind, picks, source, who, address)
                st.session_state["data_map_flash"] = saved
                st.session_state["data_result"] = (request, request.run(dry_run=True))
                st.rerun()

st.subheader(t(N_("Import log")))
if flash := st.session_state.pop("data_flash", None):
    getattr(st, flash.level)(flash.message)
manifest = batches.read_manifest()
if manifest.empty:
    st.caption(t(N_("No file has been imported yet.")))
else:
    st.dataframe(dp.import_log(manifest, lang), hide_index=True)
    ui.download_table(user, dp.import_log(manifest), "import_log", "data_import_log")
    # a district officer withdraws only what they imported themselves
    choices = dp.withdrawable(manifest, only_by=user.name if user.restricted else None)
    options = {"format_func": choices.get, "index": None, "placeholder": t(N_("Choose a batch"))}
    batch = st.selectbox(
        t(N_("Batch to withdraw")), list(choices), key="data_withdraw_batch", **options
    )
    if st.button(t(N_("Withdraw")), key="data_withdraw", disabled=batch is None):
        st.session_state["data_flash"] = dp.withdraw(batch, who, address)
        cached.data_changed()
        st.rerun()
st.caption(t(dp.WITHDRAW_NOTE))

st.subheader(t(N_("Templates")))
for kind_name, column in zip(templates.KINDS, st.columns(len(templates.KINDS)), strict=True):
    column.markdown(f"**`{kind_name}`**" if lang != language.DEFAULT else f"**{kind_name}**")
    column.caption(t(templates.about(kind_name)))
    for button in dp.template_downloads(kind_name):
        column.download_button(**button)
