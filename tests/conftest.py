# --- network guard (bot tests, issue 4) -----------------------------------------------------
# No test may reach the internet: a connection or name lookup for anything but loopback fails
# the test loudly instead of hanging, flaking or leaking a request to api.telegram.org.
import ipaddress as _ipaddress
import os as _os
import pathlib as _pathlib
import socket as _socket
import tempfile as _tempfile

import pytest as _pytest

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def _is_loopback(host: object) -> bool:
    if host is None or host in _LOOPBACK_NAMES:
        return True
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if not isinstance(host, str):
        return False
    try:
        return _ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


@_pytest.fixture(autouse=True)
def _no_network(monkeypatch: _pytest.MonkeyPatch) -> None:
    real_connect = _socket.socket.connect
    real_connect_ex = _socket.socket.connect_ex
    real_getaddrinfo = _socket.getaddrinfo

    def _check(sock: _socket.socket, address: object) -> None:
        if sock.family in (_socket.AF_INET, _socket.AF_INET6):
            host = address[0] if isinstance(address, tuple) else address
            if not _is_loopback(host):
                raise AssertionError(f"test tried to open a network connection to {address!r}")

    def connect(self: _socket.socket, address: object) -> None:
        _check(self, address)
        return real_connect(self, address)  # type: ignore[arg-type]

    def connect_ex(self: _socket.socket, address: object) -> int:
        _check(self, address)
        return real_connect_ex(self, address)  # type: ignore[arg-type]

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if not _is_loopback(host):
            raise AssertionError(f"test tried to resolve {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_socket.socket, "connect", connect)
    monkeypatch.setattr(_socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(_socket, "getaddrinfo", getaddrinfo)


# --- end of network guard -------------------------------------------------------------------


# --- index cache (twinbot ask) ---------------------------------------------------------------
# Tests never read or write the user's ~/.cache: one fresh cache folder for the whole run.
_os.environ["TWINBOT_CACHE_DIR"] = _tempfile.mkdtemp(prefix="twinbot-test-cache-")


@_pytest.fixture(autouse=True, scope="session")
def _phrasing_vectors() -> None:
    """Embed the bundled knowledge base once, into the run's cache folder, so that every
    `twinbot ask/chat/run` the tests start reads the vectors instead of embedding them
    (skipped where the e5 encoder does not load)."""
    from twinbot.paths import bundled_knowledge_dir
    from twinbot.ranking.dense import VectorStore, build_dense_index, default_encoder
    from twinbot.validate import load_valid_knowledge

    encoder = default_encoder()
    if encoder is not None:
        store = VectorStore(encoder, _pathlib.Path(_os.environ["TWINBOT_CACHE_DIR"]))
        build_dense_index(load_valid_knowledge(bundled_knowledge_dir()), store)
        store.save()


# --- end of index cache -----------------------------------------------------------------------
