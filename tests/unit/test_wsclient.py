"""The load test's websocket client on hand-built protobufs: the request it sends for a page, and
what it makes of the server's messages (when a run is over, what counts as an error)."""

from __future__ import annotations

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench import wsclient

SHORT_HASH = "0123abcd"


def new_session() -> ForwardMsg:
    message = ForwardMsg()
    message.new_session.page_script_hash = SHORT_HASH
    return message


def finished(status: int = ForwardMsg.FINISHED_SUCCESSFULLY) -> ForwardMsg:
    message = ForwardMsg()
    message.script_finished = status
    return message


def exception(text: str, message_hash: str = "") -> ForwardMsg:
    message = ForwardMsg(hash=message_hash)
    shown = message.delta.new_element.exception
    shown.type, shown.message = "ValueError", f"{text}\nsecond line"
    return message


def alert(body: str, form: int) -> ForwardMsg:
    message = ForwardMsg()
    message.delta.new_element.alert.body = body
    message.delta.new_element.alert.format = form
    return message


def heading(text: str) -> ForwardMsg:
    message = ForwardMsg(hash="h1")
    message.delta.new_element.heading.body = text
    return message


def run(watch: wsclient.RunWatch, *messages: ForwardMsg) -> bool:
    """Feeds the messages; whether the run was over at the last (and not before)."""
    over = [watch.feed(message) for message in messages]
    assert not any(over[:-1])
    return over[-1]


def test_stream_url_follows_the_app_address() -> None:
    assert wsclient.stream_url("http://127.0.0.1:8501") == "ws://127.0.0.1:8501/_stcore/stream"
    assert wsclient.stream_url("https://host/app/") == "wss://host/app/_stcore/stream"


def test_a_page_load_names_the_page_by_its_address() -> None:
    request = wsclient.rerun_request("http://127.0.0.1:1", "Map", None).rerun_script
    assert (request.page_name, request.page_script_hash, request.query_string) == ("Map", "", "")
    assert request.context_info.url == "http://127.0.0.1:1/Map"
    assert request.HasField("widget_states")


def test_a_link_names_the_page_by_its_script_and_reports_the_cached_messages() -> None:
    request = wsclient.rerun_request("http://h", "Map", SHORT_HASH, ["a", "b"]).rerun_script
    assert (request.page_name, request.page_script_hash) == ("", SHORT_HASH)
    assert list(request.cached_message_hashes) == ["a", "b"]


def test_a_clean_run_ends_at_its_script_finished_and_learns_the_pages() -> None:
    navigation = ForwardMsg()
    navigation.navigation.app_pages.add(url_pathname="Map", page_script_hash=SHORT_HASH)
    watch = wsclient.RunWatch()
    assert run(watch, new_session(), navigation, heading("Map"), finished())
    assert watch.problem() is None
    assert watch.pages == {"Map": SHORT_HASH}


def test_messages_before_the_runs_new_session_belong_to_the_run_before() -> None:
    watch = wsclient.RunWatch()
    assert not watch.feed(exception("old"))
    assert not watch.feed(finished())
    assert run(watch, new_session(), finished())
    assert watch.problem() is None


def test_an_exception_makes_the_run_an_error_with_its_first_line() -> None:
    watch = wsclient.RunWatch()
    assert run(watch, new_session(), exception("boom"), finished())
    assert watch.problem() == "exception: ValueError: boom"


def test_an_error_message_counts_and_a_warning_does_not() -> None:
    warned = wsclient.RunWatch()
    assert run(warned, new_session(), alert("careful", Alert.WARNING), finished())
    assert warned.problem() is None
    failed = wsclient.RunWatch()
    assert run(failed, new_session(), alert("broken", Alert.ERROR), finished())
    assert failed.problem() == "error message: broken"


def test_a_rerun_goes_on_and_drops_what_the_earlier_pass_showed() -> None:
    watch = wsclient.RunWatch()
    early = finished(ForwardMsg.FINISHED_EARLY_FOR_RERUN)
    assert run(watch, new_session(), exception("stale"), early, new_session(), finished())
    assert watch.problem() is None


def test_a_reference_counts_as_the_message_it_refers_to() -> None:
    cache: dict[str, str | None] = {}
    first = wsclient.RunWatch(cache=cache)
    assert run(first, new_session(), exception("boom", "e1"), heading("t"), finished())
    assert set(cache) == {"e1", "h1"}
    again = wsclient.RunWatch(cache=cache)
    ref_exception, ref_heading = ForwardMsg(ref_hash="e1"), ForwardMsg(ref_hash="h1")
    assert run(again, new_session(), ref_heading, ref_exception, finished())
    assert again.problem() == "exception: ValueError: boom"


def test_a_page_not_found_and_a_compile_error_are_errors() -> None:
    missing = ForwardMsg()
    missing.page_not_found.page_name = ""
    lost = wsclient.RunWatch()
    assert run(lost, new_session(), missing, finished())
    assert lost.problem() == "page not found"
    broken = wsclient.RunWatch()
    assert run(broken, new_session(), finished(ForwardMsg.FINISHED_WITH_COMPILE_ERROR))
    assert broken.problem() == "compile error"
