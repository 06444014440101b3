"""A Streamlit session without a browser, for `bench/loadtest.py`: Streamlit's own protocol over
the websocket `/_stcore/stream`, protobuf `BackMsg` up and `ForwardMsg` down, as the frontend
speaks it.

Connecting opens a session on the server (the frontend's handshake: the `streamlit` subprotocol,
no XSRF cookie, no earlier session). A page run is a `rerun_script` request whose client state
names the page as the frontend does: by its address (`page_name`, the URL path) on a page load,
by the page's script hash from the app's navigation afterwards, as a click on a sidebar link. The
run is over at the `script_finished` that is not followed by a rerun (`st.rerun`,
`st.switch_page` go on in a new run). What the run shows counts as a problem when it is an
exception (`st.exception`, an uncaught error), an error message (`st.error`), a page that is not
found or a script that does not compile. Media, downloads and other files the page refers to are
never fetched: a browser loads those over HTTP, apart from the page run.

As the frontend does, the session reports the hashes of the messages it has had, and the server
then sends a reference instead of a repeated message; a reference counts as what it refers to.

Behind a reverse proxy (`https://…`), a session first loads the page over HTTP, as a browser
does, keeps the cookies the proxy sets (the sticky-session cookie that keeps it on one app
process) and sends them with its websocket; TLS is checked against the CA file given.
"""

from __future__ import annotations

import asyncio
import ssl
import time
import urllib.request
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

from google.protobuf.message import DecodeError
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Delta_pb2 import Delta
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

STREAM_PATH = "/_stcore/stream"
# what the frontend offers when it holds no XSRF cookie and no earlier session
SUBPROTOCOLS = ("streamlit", "PLACEHOLDER_AUTH_TOKEN")
CONNECT_TIMEOUT_S = 10
CONTEXT = {"timezone": "UTC", "locale": "en-US", "color_scheme": "light"}
TEXT_LIMIT = 200


def stream_url(app_url: str) -> str:
    """The websocket address of the app at `app_url` (http://host:port[/base])."""
    parts = urlsplit(app_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}{parts.path.rstrip('/')}{STREAM_PATH}"


def _first_line(text: str) -> str:
    return (text.strip().splitlines() or [""])[0][:TEXT_LIMIT]


def delta_problem(delta: Delta) -> str | None:
    """An exception or an error message that this delta puts on the page, else None."""
    if delta.WhichOneof("type") != "new_element":
        return None
    element = delta.new_element
    kind = element.WhichOneof("type")
    if kind == "exception":
        shown = element.exception
        return f"exception: {shown.type}: {_first_line(shown.message)}".rstrip(": ")
    if kind == "alert" and element.alert.format == element.alert.ERROR:
        return f"error message: {_first_line(element.alert.body)}"
    return None


def rerun_request(
    app_url: str, path: str, page_hash: str | None, cached: list[str] | None = None
) -> BackMsg:
    """The `rerun_script` request the frontend sends to open the page at URL path `path`:
    a page load names it by its address, a sidebar link (`page_hash` known) by its script."""
    request = BackMsg()
    state = request.rerun_script
    if page_hash:
        state.page_script_hash = page_hash
    else:
        state.page_name = path
    state.widget_states.SetInParent()  # no widget touched: every widget at its default
    state.cached_message_hashes.extend(cached or [])
    context = state.context_info
    context.timezone, context.locale = CONTEXT["timezone"], CONTEXT["locale"]
    context.timezone_offset = 0
    context.color_scheme = CONTEXT["color_scheme"]
    context.url = f"{app_url.rstrip('/')}/{path}"
    context.is_embedded = False
    return request


@dataclass
class RunWatch:
    """Follows the forward messages of one page run, from the request to its end.

    Messages before the run's first `new_session` are left from the run before and are skipped;
    each rerun within the run starts the page afresh, so what an earlier pass showed is dropped,
    as the browser drops it. `pages` (URL path → script hash) and `cache` (message hash → the
    problem it shows, or None) outlive the run: they belong to the session."""

    pages: dict[str, str] = field(default_factory=dict)
    cache: dict[str, str | None] = field(default_factory=dict)
    started: bool = False
    shown: list[str] = field(default_factory=list)  # exceptions and error messages
    failures: list[str] = field(default_factory=list)  # not found, not compiled
    status: int | None = None

    def feed(self, message: ForwardMsg) -> bool:
        """Take one message; True once the run is over."""
        kind = message.WhichOneof("type")
        if kind == "new_session":
            self.started, self.shown = True, []
        elif not self.started:
            return False
        elif kind == "delta":
            self._shows(delta_problem(message.delta), message.hash)
        elif kind == "ref_hash":
            self._shows(self.cache.get(message.ref_hash), None)
        elif kind == "navigation":
            self.pages |= {p.url_pathname: p.page_script_hash for p in message.navigation.app_pages}
        elif kind == "page_not_found":
            self.failures.append("page not found")
        elif kind == "session_event" and message.session_event.HasField(
            "script_compilation_exception"
        ):
            error = message.session_event.script_compilation_exception
            self.failures.append(f"compile error: {error.type}: {_first_line(error.message)}")
        elif kind == "script_finished":
            return self._finished(message.script_finished)
        return False

    def _shows(self, problem: str | None, message_hash: str | None) -> None:
        if message_hash:
            self.cache[message_hash] = problem
        if problem is not None:
            self.shown.append(problem)

    def _finished(self, status: int) -> bool:
        if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            self.started = False  # a rerun follows: wait for its new_session
            return False
        if status == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
            return False  # a fragment's own run, not the page's
        self.status = status
        return True

    def problem(self) -> str | None:
        """The first thing that makes this run an error, or None."""
        found = self.failures + self.shown
        if self.status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR and not self.failures:
            found.insert(0, "compile error")
        return found[0] if found else None


class Session:
    """One person's session: a websocket to the app, page runs one after the other.

    The first page run, and the first after a failed one, opens a new connection and loads the
    page by its address, as a browser does after an error; the others follow the sidebar's
    links. A background task reads every message as it comes, so that the server's send queue
    never waits on this session."""

    def __init__(self, app_url: str, tls: ssl.SSLContext | None = None) -> None:
        self.app_url = app_url
        self.tls = tls
        self.cookies: dict[str, str] = {}  # what the proxy set: kept for the session's life
        self.handshake: dict[str, str] = {}  # the headers of the websocket's opening response
        self._socket: ClientConnection | None = None
        self._reader: asyncio.Task | None = None
        self._inbox: asyncio.Queue[ForwardMsg | None] = asyncio.Queue()
        self._watch = RunWatch()

    async def run_page(self, path: str, timeout_s: float) -> tuple[float, str | None]:
        """Open the page at URL path `path`: (milliseconds, error or None)."""
        start = time.perf_counter()
        try:
            async with asyncio.timeout(timeout_s):
                problem = await self._run(path)
        except TimeoutError:
            problem = f"timeout: not finished within {timeout_s:g} s"
        except (OSError, WebSocketException, ConnectionError) as error:
            problem = f"connection: {_first_line(str(error)) or type(error).__name__}"
        ms = (time.perf_counter() - start) * 1000
        if problem is not None and not problem.startswith(("exception", "error message")):
            await self.close()  # the session's state is unknown: start over on a page load
        return ms, problem

    async def _run(self, path: str) -> str | None:
        if self._socket is None:
            await self._connect()
            page_hash = None
        else:
            self._skip_waiting()
            page_hash = self._watch.pages.get(path)
        request = rerun_request(self.app_url, path, page_hash, list(self._watch.cache))
        await self._socket.send(request.SerializeToString())
        watch = self._watch = RunWatch(self._watch.pages, self._watch.cache)
        while not watch.feed(await self._next()):
            pass
        return watch.problem()

    async def _connect(self) -> None:
        self._inbox = asyncio.Queue()
        self._watch = RunWatch()
        headers = {}
        if self.tls is not None:  # behind the proxy: the page first, for its cookies
            self.cookies |= await asyncio.to_thread(
                page_cookies, self.app_url, self.tls, self.cookies
            )
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self._socket = await connect(
            stream_url(self.app_url),
            subprotocols=list(SUBPROTOCOLS),
            max_size=None,  # the server bounds its own messages (server.maxMessageSize)
            open_timeout=CONNECT_TIMEOUT_S,
            ssl=self.tls,
            additional_headers=headers or None,
        )
        self.handshake = dict(self._socket.response.headers.raw_items())
        self._reader = asyncio.create_task(self._read(self._socket, self._inbox))

    @staticmethod
    async def _read(socket: ClientConnection, inbox: asyncio.Queue) -> None:
        try:
            async for frame in socket:
                if isinstance(frame, bytes):  # the server sends nothing but binary protobufs
                    message = ForwardMsg()
                    message.ParseFromString(frame)
                    inbox.put_nowait(message)
        except (WebSocketException, DecodeError):
            pass  # either way the session can go no further on this connection
        finally:
            inbox.put_nowait(None)  # the connection is gone

    def _skip_waiting(self) -> None:
        """Drop what arrived since the last run ended (status changes and the like)."""
        while not self._inbox.empty():
            if self._inbox.get_nowait() is None:
                raise ConnectionError("the server closed the connection")

    async def _next(self) -> ForwardMsg:
        message = await self._inbox.get()
        if message is None:
            raise ConnectionError("the server closed the connection")
        return message

    async def close(self) -> None:
        socket, reader = self._socket, self._reader
        self._socket = self._reader = None
        if socket is not None:
            await socket.close()
        if reader is not None:
            await reader


def page_cookies(app_url: str, tls: ssl.SSLContext, cookies: dict[str, str]) -> dict[str, str]:
    """The cookies a GET of the app's page sets, sending those already held."""
    request = urllib.request.Request(f"{app_url.rstrip('/')}/")
    if cookies:
        request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))
    with urllib.request.urlopen(request, timeout=CONNECT_TIMEOUT_S, context=tls) as response:
        response.read()
        jar = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def tls_context(ca_file: str | None) -> ssl.SSLContext | None:
    """TLS checked against `ca_file` (the proxy's own certificate), or None for plain HTTP."""
    return None if ca_file is None else ssl.create_default_context(cafile=ca_file)


class WebsocketClients:
    """Sessions that speak the protocol themselves: nothing to launch, nothing to close."""

    kind = "websocket"

    def __init__(self, url: str, sessions: int, ca_file: str | None = None) -> None:
        self.url = url
        self.tls = tls_context(ca_file)

    def describe(self) -> str:
        return "as websocket clients" + (" over TLS" if self.tls else "")

    def session(self, index: int) -> Session:
        return Session(self.url, self.tls)

    async def __aenter__(self) -> WebsocketClients:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        return None
