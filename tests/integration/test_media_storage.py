"""The photo storage interface: the same tests against the local folder and
against an S3-compatible server (moto's, on the loopback), so either can be
configured and behaves alike. Then a photo entry through an app whose storage
is the S3 one: stored, served, and nothing left behind when refused."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.support.s3 import s3_bucket, s3_endpoint, s3_settings  # noqa: F401 (fixtures)
from voting.config import ConfigError, Settings
from voting.media import storage as storage_module
from voting.media.storage import LocalStorage, MissingFile, S3Storage


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        return LocalStorage(tmp_path / "uploads")
    endpoint, bucket = request.getfixturevalue("s3_endpoint"), request.getfixturevalue("s3_bucket")
    config = Settings(env="testing", **s3_settings(endpoint, bucket, prefix="voting/"))
    built = storage_module.build(config, str(tmp_path))
    assert isinstance(built, S3Storage)
    return built


def test_put_get_exists_delete(store):
    key = "entries/1/2/display-abc.jpg"
    assert not store.exists(key)
    store.put(key, b"\xff\xd8 first", "image/jpeg")
    assert store.exists(key) and store.get(key) == b"\xff\xd8 first"
    store.put(key, b"\xff\xd8 second", "image/jpeg")  # replaced whole
    assert store.get(key) == b"\xff\xd8 second"
    store.delete(key)
    assert not store.exists(key)
    store.delete(key)  # deleting what is gone is no error: cleanups may run twice


def test_a_missing_file_is_missing(store):
    with pytest.raises(MissingFile):
        store.get("entries/9/9/none.jpg")
    with pytest.raises(MissingFile):
        store.open("entries/9/9/none.jpg")


def test_open_streams_in_chunks_with_its_length(store):
    data = bytes(range(256)) * 1000
    store.put("entries/1/1/big.jpg", data, "image/jpeg")
    stored = store.open("entries/1/1/big.jpg")
    assert stored.length == len(data)
    chunks = list(stored.chunks())
    assert b"".join(chunks) == data and len(chunks) > 1


def test_keys_lists_a_folder(store):
    for key in ("entries/1/1/a.jpg", "entries/1/2/b.jpg", "entries/2/1/c.jpg", "7/old.jpg"):
        store.put(key, b"x", "image/jpeg")
    assert store.keys("entries/1/") == ["entries/1/1/a.jpg", "entries/1/2/b.jpg"]
    assert store.keys("entries/") == ["entries/1/1/a.jpg", "entries/1/2/b.jpg", "entries/2/1/c.jpg"]
    assert store.keys("nothing/") == []
    assert len(store.keys()) == 4


@pytest.mark.parametrize("key", ["../etc/passwd", "/etc/passwd", "entries/../../x", "entries//x", "", "Entries/A.jpg",
                                 "entries/x/", "entries/.hidden", "a" * 301])
def test_keys_cannot_leave_the_store(store, key):
    with pytest.raises(ValueError):
        store.put(key, b"x", "image/jpeg")
    with pytest.raises(ValueError):
        store.get(key)


def test_the_local_store_leaves_no_partial_file(tmp_path, monkeypatch):
    store = LocalStorage(tmp_path)

    def failing_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(storage_module.os, "replace", failing_replace)
    with pytest.raises(OSError):
        store.put("entries/1/1/a.jpg", b"data", "image/jpeg")
    assert store.keys() == [] and list((tmp_path / "entries/1/1").iterdir()) == []


def test_settings_choose_the_store(tmp_path):
    assert isinstance(storage_module.build(Settings(env="testing"), str(tmp_path)), LocalStorage)
    with pytest.raises(ConfigError, match="S3_BUCKET"):
        Settings.from_env({}, env="testing", media_storage="s3")
    with pytest.raises(ConfigError, match="MEDIA_STORAGE"):
        Settings.from_env({}, env="testing", media_storage="ftp")
    with pytest.raises(ConfigError, match="go together"):
        Settings.from_env({}, env="testing", media_storage="s3", s3_bucket="b", s3_access_key_id="only-half")


# --- the app on S3 ----------------------------------------------------------------------------------------------

def photo(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "teal").save(out, "PNG")
    return out.getvalue()


def test_an_app_on_s3_stores_and_serves_photos(make_app, make, s3_endpoint, s3_bucket):
    from tests.pages.support import add_entry

    app = make_app(**s3_settings(s3_endpoint, s3_bucket, prefix="site/"))
    organiser = make.organiser()
    make.contest(slug="photos", kind="photo")
    entry_id = add_entry(app, "photos", organiser.id, image=photo(), title="Teal")
    client = app.test_client()
    entry = client.get("/api/v1/contests/photos/entries").get_json()["entries"][0]
    assert entry["id"] == entry_id
    served = client.get(entry["image_url"])
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(served.get_data())) as img:
        assert img.size == (64, 48)
    with app.app_context():
        keys = storage_module.storage().keys("entries/")
    assert len(keys) == 2 and any(k.endswith(entry["image_url"].rsplit("/", 1)[-1]) for k in keys)  # original, display

    with pytest.raises(Exception):
        add_entry(app, "photos", organiser.id, image=b"not an image", title="Broken")
    with app.app_context():
        assert storage_module.storage().keys("entries/") == keys  # nothing stored for the refused one
