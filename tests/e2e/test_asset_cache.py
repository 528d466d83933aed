"""The production build's files on the real server (issue 11, first page load): a new tab of
a signed-in browser takes the built JS and CSS from its cache without asking the server,
and the page itself is asked for again (so a new build reaches the next tab)."""

from tests.e2e.conftest import login, new_page

RESOURCES = """() => performance.getEntriesByType('resource')
  .filter(r => new URL(r.name).pathname.startsWith('/assets/'))
  .map(r => [new URL(r.name).pathname, r.transferSize])"""


def test_a_new_tab_takes_the_built_files_from_the_cache(new_context, playwright_request_factory):
    req = playwright_request_factory()
    page = req.get("/")
    assert page.headers["cache-control"] == "no-cache"
    ctx = new_context()
    first = login(ctx)
    built = first.evaluate(RESOURCES)
    assert any(p.endswith(".js") for p, _ in built) and any(p.endswith(".css") for p, _ in built)
    one = req.get(built[0][0])
    assert one.status == 200
    assert one.headers["cache-control"] == "public, max-age=31536000, immutable"

    tab = new_page(ctx)
    tab.goto("/")
    tab.get_by_test_id("dialog-list").wait_for()
    again = dict(tab.evaluate(RESOURCES))
    assert again, "the new tab loaded no built files"
    # transferSize 0: served from the browser's cache, no request (a 304 has its headers' size)
    assert {p: size for p, size in again.items() if size != 0} == {}
