"""Every page of the app, written once: its script, title, icon, address, the least role that
may open it and whether the load test visits it. `app.py` builds the navigation from it, `auth`
its permission check, `bench/` its page timings and load test, and the tests their page lists.

No streamlit here: the benchmarks and the tests read it without starting anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from kp_dash.views.language import N_

HOME = "Home"  # the default page's name: its address is the app's root


@dataclass(frozen=True)
class PageEntry:
    script: str  # relative to the checkout
    title: str  # as the navigation shows it, in English: the catalogue translates it
    icon: str
    address: str  # the URL path after the host; "" for Home
    least_role: str = "viewer"
    load_test: bool = True

    @property
    def name(self) -> str:
        """How the permission check, the audit trail and the page's own entry call name it."""
        return self.address or HOME


PAGES = (
    PageEntry("pages/0_Home.py", N_("Home"), ":material/home:", ""),
    PageEntry("pages/1_Map.py", N_("Map"), ":material/map:", "Map"),
    PageEntry("pages/4_Uptake.py", N_("Uptake vs access"), ":material/scatter_plot:", "Uptake"),
    PageEntry("pages/5_Groups.py", N_("Excluded groups"), ":material/groups:", "Groups"),
    PageEntry(
        "pages/8_Planning.py", N_("Connectivity planning"), ":material/cell_tower:", "Planning"
    ),
    PageEntry("pages/7_Profile.py", N_("District profile"), ":material/location_city:", "Profile"),
    PageEntry("pages/6_Trends.py", N_("Trends & targets"), ":material/trending_up:", "Trends"),
    PageEntry("pages/2_Data.py", N_("Data"), ":material/upload_file:", "Data", "data_manager"),
    PageEntry("pages/3_Quality.py", N_("Data quality"), ":material/fact_check:", "Quality"),
    PageEntry("pages/9_Sources.py", N_("Sources & definitions"), ":material/menu_book:", "Sources"),
    PageEntry(
        "pages/10_Admin.py",
        N_("Administration"),
        ":material/admin_panel_settings:",
        "Admin",
        "admin",
    ),
)
_BY_NAME = {page.name: page for page in PAGES}


def title(name: str) -> str:
    """The title of the page called `name` (an unknown name: the name itself)."""
    page = _BY_NAME.get(name)
    return page.title if page else name


def least_role(name: str) -> str:
    """The least role that may open the page called `name` (an unknown name: every role)."""
    page = _BY_NAME.get(name)
    return page.least_role if page else "viewer"
