# ruff: noqa: E501  (the published vectors are long strings)
"""Deposit-address derivation against published vectors: BIP-32 test vectors 1–3 (every chain listed), BIP-39's
seed vectors, the Keccak/SHA-3/RIPEMD-160 primitives, EIP-55 and the all-`abandon` mnemonic's addresses."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certctrl.logic import hdwallet as hd

# BIP-32 (bitcoin/bips bip-0032.mediawiki, "Test Vectors"): (path, xpub, xprv)
VECTOR_1 = ("000102030405060708090a0b0c0d0e0f", [
    ("m", "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8",
     "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi"),
    ("m/0'", "xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEjWgP6LHhwBZeNK1VTsfTFUHCdrfp1bgwQ9xv5ski8PX9rL2dZXvgGDnw",
     "xprv9uHRZZhk6KAJC1avXpDAp4MDc3sQKNxDiPvvkX8Br5ngLNv1TxvUxt4cV1rGL5hj6KCesnDYUhd7oWgT11eZG7XnxHrnYeSvkzY7d2bhkJ7"),
    ("m/0'/1", "xpub6ASuArnXKPbfEwhqN6e3mwBcDTgzisQN1wXN9BJcM47sSikHjJf3UFHKkNAWbWMiGj7Wf5uMash7SyYq527Hqck2AxYysAA7xmALppuCkwQ",
     "xprv9wTYmMFdV23N2TdNG573QoEsfRrWKQgWeibmLntzniatZvR9BmLnvSxqu53Kw1UmYPxLgboyZQaXwTCg8MSY3H2EU4pWcQDnRnrVA1xe8fs"),
    ("m/0'/1/2'", "xpub6D4BDPcP2GT577Vvch3R8wDkScZWzQzMMUm3PWbmWvVJrZwQY4VUNgqFJPMM3No2dFDFGTsxxpG5uJh7n7epu4trkrX7x7DogT5Uv6fcLW5",
     "xprv9z4pot5VBttmtdRTWfWQmoH1taj2axGVzFqSb8C9xaxKymcFzXBDptWmT7FwuEzG3ryjH4ktypQSAewRiNMjANTtpgP4mLTj34bhnZX7UiM"),
    ("m/0'/1/2'/2", "xpub6FHa3pjLCk84BayeJxFW2SP4XRrFd1JYnxeLeU8EqN3vDfZmbqBqaGJAyiLjTAwm6ZLRQUMv1ZACTj37sR62cfN7fe5JnJ7dh8zL4fiyLHV",
     "xprvA2JDeKCSNNZky6uBCviVfJSKyQ1mDYahRjijr5idH2WwLsEd4Hsb2Tyh8RfQMuPh7f7RtyzTtdrbdqqsunu5Mm3wDvUAKRHSC34sJ7in334"),
    ("m/0'/1/2'/2/1000000000",
     "xpub6H1LXWLaKsWFhvm6RVpEL9P4KfRZSW7abD2ttkWP3SSQvnyA8FSVqNTEcYFgJS2UaFcxupHiYkro49S8yGasTvXEYBVPamhGW6cFJodrTHy",
     "xprvA41z7zogVVwxVSgdKUHDy1SKmdb533PjDz7J6N6mV6uS3ze1ai8FHa8kmHScGpWmj4WggLyQjgPie1rFSruoUihUZREPSL39UNdE3BBDu76"),
])
VECTOR_2 = ("fffcf9f6f3f0edeae7e4e1dedbd8d5d2cfccc9c6c3c0bdbab7b4b1aeaba8a5a29f9c999693908d8a8784817e7b7875726f6c696663605d5a5754514e4b484542", [
    ("m", "xpub661MyMwAqRbcFW31YEwpkMuc5THy2PSt5bDMsktWQcFF8syAmRUapSCGu8ED9W6oDMSgv6Zz8idoc4a6mr8BDzTJY47LJhkJ8UB7WEGuduB",
     "xprv9s21ZrQH143K31xYSDQpPDxsXRTUcvj2iNHm5NUtrGiGG5e2DtALGdso3pGz6ssrdK4PFmM8NSpSBHNqPqm55Qn3LqFtT2emdEXVYsCzC2U"),
    ("m/0", "xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7ERfvrnKZjXoUmmDznezpbZb7ap6r1D3tgFxHmwMkQTPH",
     "xprv9vHkqa6EV4sPZHYqZznhT2NPtPCjKuDKGY38FBWLvgaDx45zo9WQRUT3dKYnjwih2yJD9mkrocEZXo1ex8G81dwSM1fwqWpWkeS3v86pgKt"),
    ("m/0/2147483647'",
     "xpub6ASAVgeehLbnwdqV6UKMHVzgqAG8Gr6riv3Fxxpj8ksbH9ebxaEyBLZ85ySDhKiLDBrQSARLq1uNRts8RuJiHjaDMBU4Zn9h8LZNnBC5y4a",
     "xprv9wSp6B7kry3Vj9m1zSnLvN3xH8RdsPP1Mh7fAaR7aRLcQMKTR2vidYEeEg2mUCTAwCd6vnxVrcjfy2kRgVsFawNzmjuHc2YmYRmagcEPdU9"),
    ("m/0/2147483647'/1",
     "xpub6DF8uhdarytz3FWdA8TvFSvvAh8dP3283MY7p2V4SeE2wyWmG5mg5EwVvmdMVCQcoNJxGoWaU9DCWh89LojfZ537wTfunKau47EL2dhHKon",
     "xprv9zFnWC6h2cLgpmSA46vutJzBcfJ8yaJGg8cX1e5StJh45BBciYTRXSd25UEPVuesF9yog62tGAQtHjXajPPdbRCHuWS6T8XA2ECKADdw4Ef"),
    ("m/0/2147483647'/1/2147483646'",
     "xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL",
     "xprvA1RpRA33e1JQ7ifknakTFpgNXPmW2YvmhqLQYMmrj4xJXXWYpDPS3xz7iAxn8L39njGVyuoseXzU6rcxFLJ8HFsTjSyQbLYnMpCqE2VbFWc"),
    ("m/0/2147483647'/1/2147483646'/2",
     "xpub6FnCn6nSzZAw5Tw7cgR9bi15UV96gLZhjDstkXXxvCLsUXBGXPdSnLFbdpq8p9HmGsApME5hQTZ3emM2rnY5agb9rXpVGyy3bdW6EEgAtqt",
     "xprvA2nrNbFZABcdryreWet9Ea4LvTJcGsqrMzxHx98MMrotbir7yrKCEXw7nadnHM8Dq38EGfSh6dqA9QWTyefMLEcBYJUuekgW4BYPJcr9E7j"),
])
VECTOR_3 = ("4b381541583be4423346c643850da4b320e46a87ae3d2a4e6da11eba819cd4acba45d239319ac14f863b8d5ab5a0d0c64d2e8a1e7d1457df2e5a3c51c73235be", [
    ("m", "xpub661MyMwAqRbcEZVB4dScxMAdx6d4nFc9nvyvH3v4gJL378CSRZiYmhRoP7mBy6gSPSCYk6SzXPTf3ND1cZAceL7SfJ1Z3GC8vBgp2epUt13",
     "xprv9s21ZrQH143K25QhxbucbDDuQ4naNntJRi4KUfWT7xo4EKsHt2QJDu7KXp1A3u7Bi1j8ph3EGsZ9Xvz9dGuVrtHHs7pXeTzjuxBrCmmhgC6"),
    ("m/0'", "xpub68NZiKmJWnxxS6aaHmn81bvJeTESw724CRDs6HbuccFQN9Ku14VQrADWgqbhhTHBaohPX4CjNLf9fq9MYo6oDaPPLPxSb7gwQN3ih19Zm4Y",
     "xprv9uPDJpEQgRQfDcW7BkF7eTya6RPxXeJCqCJGHuCJ4GiRVLzkTXBAJMu2qaMWPrS7AANYqdq6vcBcBUdJCVVFceUvJFjaPdGZ2y9WACViL4L"),
])
ABANDON = "abandon " * 11 + "about"


@pytest.mark.parametrize(("seed", "chains"), [VECTOR_1, VECTOR_2, VECTOR_3], ids=["vector1", "vector2", "vector3"])
def test_bip32_published_vectors(seed, chains):
    root = hd.master(bytes.fromhex(seed))
    for path, xpub, xprv in chains:
        node = root.derive(path)
        assert node.serialize(private=True) == xprv, path
        assert node.serialize(private=False) == xpub, path
        assert hd.parse_extended(xprv).derive("m").point == node.point
        assert hd.parse_extended(xpub).serialize(private=False) == xpub


def test_public_derivation_matches_private_derivation():
    root = hd.master(bytes.fromhex(VECTOR_1[0]))
    account = root.derive("m/44'/60'/0'")
    for index in (0, 1, 7, 2**31 - 1):
        assert hd.deposit_key(account.public(), index).point == account.derive(f"m/0/{index}").point


def test_a_public_node_has_no_hardened_children_nor_xprv():
    public = hd.master(bytes.fromhex(VECTOR_1[0])).public()
    with pytest.raises(hd.KeyError_):
        public.child(hd.HARDENED)
    with pytest.raises(hd.KeyError_):
        public.serialize(private=True)


def test_bip39_seed_vectors():
    # Trezor's BIP-39 vectors (passphrase "TREZOR") and the empty-passphrase seed of the all-abandon words.
    assert hd.seed_from_mnemonic(ABANDON, "TREZOR").hex() == (
        "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c"
        "81b2f001698e7463b04")
    assert hd.seed_from_mnemonic(ABANDON).hex() == (
        "5eb00bbddcf069084889a8ab9155568165f5c453ccb85e70811aaed6f6da5fc19a5ac40b389cd370d086206dec8aa6c43daea6690f2"
        "0ad3d8d48b2d2ce9e38e4")


def test_mnemonic_checksum_and_words_are_checked():
    assert hd.normalized_mnemonic("  Abandon " + ABANDON[8:].upper() + " ") == ABANDON
    with pytest.raises(hd.KeyError_):
        hd.normalized_mnemonic("abandon " * 12)  # the checksum fails
    with pytest.raises(hd.KeyError_):
        hd.normalized_mnemonic(ABANDON.replace("about", "aboutt"))
    fresh = hd.new_mnemonic(24)
    assert len(fresh.split()) == 24
    assert hd.normalized_mnemonic(fresh) == fresh


def test_the_abandon_mnemonic_gives_the_well_known_addresses():
    root = hd.master(hd.seed_from_mnemonic(ABANDON))
    eth = root.derive(hd.account_path("ethereum", 0)).public()
    tron = root.derive(hd.account_path("tron", 0)).public()
    assert hd.ethereum_address(hd.deposit_key(eth, 0).point) == "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"
    assert hd.tron_address(hd.deposit_key(tron, 0).point) == "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH"


def test_keccak_and_the_sponge_against_known_digests():
    assert hd.keccak256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    # The ERC-20 Transfer event topic.
    assert hd.keccak256(b"Transfer(address,address,uint256)").hex() == (
        "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400))
def test_sponge_and_ripemd_agree_with_hashlib(data):
    assert hd.sha3_256(data) == hashlib.sha3_256(data).digest()
    try:
        expected = hashlib.new("ripemd160", data).digest()
    except ValueError:
        pytest.skip("this OpenSSL has no RIPEMD-160 to compare with")
    assert hd.ripemd160_pure(data) == expected


def test_ripemd160_reference_vectors():
    assert hd.ripemd160_pure(b"").hex() == "9c1185a5c5e9fc54612808977ee8f548b2258d31"
    assert hd.ripemd160_pure(b"abc").hex() == "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc"


@pytest.mark.parametrize("address", [
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"])
def test_eip55_vectors(address):
    assert hd.normalize_address("ethereum", address.lower()) == address
    assert hd.normalize_address("ethereum", address) == address
    broken = address[:-1] + (address[-1].lower() if address[-1].isupper() else address[-1].upper())
    if broken != address and broken[2:] not in (address[2:].lower(), address[2:].upper()):
        with pytest.raises(hd.KeyError_):
            hd.normalize_address("ethereum", broken)


def test_tron_addresses_are_checked():
    assert hd.normalize_address("tron", "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH") == "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH"
    for bad in ("TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdJ", "0x9858EfFD232B4033E47d90003D41EC34EcaEda94", ""):
        with pytest.raises(hd.KeyError_):
            hd.normalize_address("tron", bad)


@pytest.mark.parametrize("path", ["m/", "44'/0", "m/1/x", "m//1"])
def test_bad_paths_are_refused(path):
    with pytest.raises(hd.KeyError_):
        hd.master(bytes(16)).derive(path)
