from voting.accounts.domain import is_disposable, normalise_email, password_problem, role_names, RoleGrant


def test_gmail_dots_tags_and_googlemail_collapse():
    assert normalise_email("J.O.Doe+prizes@GoogleMail.com") == "jodoe@gmail.com"
    assert normalise_email(" jodoe@gmail.com ") == "jodoe@gmail.com"


def test_outlook_and_icloud_drop_tags_keep_dots():
    assert normalise_email("Ada.L+x@Hotmail.com") == "ada.l@hotmail.com"
    assert normalise_email("ada.l+x@icloud.com") == "ada.l@icloud.com"


def test_other_domains_only_fold_case():
    assert normalise_email("Ada.L+x@Example.ORG") == "ada.l+x@example.org"


def test_disposable_matches_parent_domains_only():
    listed = frozenset({"mailinator.com"})
    assert is_disposable("a@mailinator.com", listed)
    assert is_disposable("a@x.mailinator.com", listed)
    assert not is_disposable("a@notmailinator.com", listed)
    assert not is_disposable("a@com", listed)


def test_password_policy():
    assert password_problem("short") == "must be at least 10 characters"
    assert password_problem("aaaaaaaaaaaa") == "is too easy to guess"
    assert password_problem("x" * 300) == "must be at most 256 characters"
    assert password_problem("correct horse battery") is None


def test_roles_always_include_voter_and_keep_order():
    assert role_names([]) == ["voter"]
    assert role_names([RoleGrant("judge", 3), RoleGrant("organiser", None)]) == ["organiser", "judge", "voter"]
