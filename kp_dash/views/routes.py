"""The server's own routes beside Streamlit's, for what a page script cannot do: set and clear
the session cookie so that no script in the page can read it (`HttpOnly`), send it to this
site's pages alone (`SameSite=Strict`) and, behind https, over https alone (`Secure`); and serve
the Urdu font from Debian's package, so that no page fetches a font from another host.

`app.py` hands `ROUTES` to `st.App`, so plain `streamlit run app.py` serves them. Both answer
with a redirect back to the page the browser came from (a path on this site, never another).
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from kp_dash.store import accounts, network, sessions
from kp_dash.views import language

SESSION_PATH = "/_kp/session"
LOGOUT_PATH = "/_kp/logout"
FONT_PATH = "/_kp/fonts"
# a path on this site: one slash (not two), then printable ASCII but space and backslash
_LOCAL_PATH = re.compile(r"/(?!/)[!-\[\]-~]{0,2000}")


def back_to(target: str | None) -> str:
    """Where to send the browser back: `target` when it is a path on this site, else Home (so
    that no link can use the route to send someone elsewhere)."""
    if target and _LOCAL_PATH.fullmatch(target):
        return target
    return "/"


def _peer(request: Request) -> str | None:
    return request.client.host if request.client else None


def _over_https(request: Request) -> bool:
    if request.url.scheme == "https":
        return True
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[-1].strip().lower()
    if forwarded != "https":
        return False
    try:  # only a trusted proxy says how the browser reached it
        return network.is_trusted_proxy(_peer(request))
    except ValueError:  # a setting `serve` refuses to start with
        return False


def _redirect(request: Request) -> RedirectResponse:
    response = RedirectResponse(back_to(request.query_params.get("next")), status_code=303)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the ticket stays out of any log
    return response


def set_session(request: Request) -> RedirectResponse:
    """Exchange a login's one-time ticket for the session cookie."""
    response = _redirect(request)
    session_id = sessions.redeem(request.query_params.get("ticket"))
    if session_id is not None:
        response.set_cookie(
            sessions.COOKIE,
            session_id,
            max_age=accounts.SESSION_HOURS * 3600,
            path="/",
            httponly=True,
            samesite="strict",
            secure=_over_https(request),
        )
    return response


def clear_session(request: Request) -> RedirectResponse:
    """End the session the cookie names, for every tab, and clear the cookie."""
    sessions.end(request.cookies.get(sessions.COOKIE))
    response = _redirect(request)
    response.delete_cookie(
        sessions.COOKIE, path="/", httponly=True, samesite="strict", secure=_over_https(request)
    )
    return response


async def font(request: Request) -> Response:
    """An Urdu font file, from this server: a page never fetches a font from another host."""
    path = language.font_file(request.path_params["name"])
    if path is None:
        return Response("no such font", status_code=404, media_type="text/plain")
    return FileResponse(path, media_type="font/ttf", headers={"Cache-Control": "max-age=604800"})


ROUTES = [
    Route(SESSION_PATH, set_session, methods=["GET"]),
    Route(LOGOUT_PATH, clear_session, methods=["GET"]),
    Route(f"{FONT_PATH}/{{name}}", font, methods=["GET"]),
]
