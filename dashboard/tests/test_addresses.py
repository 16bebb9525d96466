import pytest

from dashboard.addresses import is_public_ip


@pytest.mark.parametrize("address", ["8.8.8.8", "119.28.28.28", "2001:4860:4860::8888", "::ffff:8.8.8.8"])
def test_public_addresses(address: str) -> None:
    assert is_public_ip(address)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "192.168.0.1",
        "169.254.169.254",  # cloud metadata
        "100.100.100.200",  # shared address space (100.64.0.0/10): a cloud metadata service lives here too
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "fe80::1%eth0",
        "fd00::1",
        "ff02::1",
        "::ffff:127.0.0.1",  # IPv4-mapped loopback
    ],
)
def test_non_public_addresses(address: str) -> None:
    assert not is_public_ip(address)


def test_not_an_address() -> None:
    with pytest.raises(ValueError):
        is_public_ip("example.com")
