"""Every page that renders HTML, by the role that sees it (every GET route of
the app but the API, static and media files; test_every_page_is_listed
checks the list against app.url_map). Each page is (path, status): error
pages a visitor meets are pages too."""

from __future__ import annotations

from tests.browser.world import World

# Routes no page of the list needs to name: files, not pages; redirects to a page that is listed.
NOT_PAGES = {"static", "media.entry_image", "media.entry_photo", "ballot_pages.receipt", "organiser_pages.import_template",
             "organiser_pages.export_spec"}


def pages(w: World) -> dict[str, list[tuple[str, int]]]:
    prize, results, hack, judged = w.prize, w.results, w.hack, w.judged
    entry = w.entries[prize]["C1 project 1"]
    submitted = w.submitted
    return {
        "visitor": [
            ("/", 200), (f"/contests/{prize}", 200), (f"/contests/{results}", 200), (f"/contests/{hack}", 200),
            (f"/contests/{judged}", 200), (f"/contests/{prize}/categories/c1", 200),
            (f"/contests/{prize}/entries/{entry}", 200), (f"/contests/{results}/results", 200),
            (f"/contests/{results}/results/categories/c1", 200), (f"/contests/{results}/results/announce", 200),
            (f"/contests/{results}/results/announce?category=c1&step=1", 200),
            ("/login", 200), ("/register", 200), ("/forgot", 200), ("/reset?token=expired", 200),
            ("/reset", 400), ("/verify?token=expired", 422), ("/receipts", 200), ("/contests/no-such-contest", 404),
        ],
        "voter": [
            ("/", 200), (f"/contests/{prize}/vote/c1", 200), (f"/contests/{prize}/vote/c2", 200),
            (f"/contests/{prize}/vote/c1/thanks", 200), (f"/contests/{prize}/my-votes", 200),
            (f"/contests/{results}/vote/c1", 200), ("/receipts", 200), ("/verify/resend", 200),
            ("/my-entries", 200), (f"/contests/{hack}/teams", 200), (f"/teams/join?token={w.invitation}", 200),
            (f"/contests/{results}/results", 200), ("/organiser/", 403), ("/account", 200),
        ],
        "participant": [
            ("/my-entries", 200), (f"/contests/{hack}/entries/new", 200),
            (f"/contests/{hack}/entries/{w.draft}/edit", 200),
            (f"/contests/{hack}/teams", 200), (f"/teams/{w.team}", 200),
        ],
        "judge": [
            ("/judging/", 200), (f"/judging/{judged}/entries/{w.assigned}", 200),
            (f"/judging/{judged}/entries/{submitted}", 200), (f"/judging/{w.pairwise}/pairwise", 200),
        ],
        "organiser": [
            ("/organiser/", 200), (f"/organiser/contests/{prize}/leaderboard", 200),
            (f"/organiser/contests/{hack}/entries", 200), (f"/organiser/contests/{prize}/review", 200),
            (f"/organiser/contests/{prize}/review/clusters/{w.cluster}", 200),
            (f"/organiser/contests/{prize}/audit", 200), (f"/organiser/contests/{prize}/report", 200),
            (f"/organiser/contests/{judged}/judging", 200), (f"/contests/{results}/results?draft=1", 200),
            (f"/contests/{results}/results/categories/c1?draft=1", 200),
            (f"/contests/{results}/results/announce?draft=1", 200), (f"/contests/{prize}", 200),
            # The console: a new contest, and one contest's overview, settings and people.
            ("/organiser/contests/new", 200), (f"/organiser/contests/{prize}", 200),
            (f"/organiser/contests/{prize}/settings", 200), (f"/organiser/contests/{prize}/people", 200),
            (f"/organiser/jobs/{w.job}", 200), (f"/organiser/contests/{hack}", 200),
            (f"/organiser/contests/{judged}/people", 200),
            (f"/organiser/contests/{prize}/entries?status=all", 200), (f"/organiser/contests/{hack}/entries?status=all&q=a", 200),
            (f"/organiser/contests/{prize}/entries/{entry}/edit", 200), (f"/organiser/contests/{hack}/entries/import", 200),
        ],
    }
