"""kook.config: the list style setting (issue 13) as the template's environment gives it."""

import os

import pytest

from kook import config
from suite.config import ConfigError


def test_the_template_defaults_to_the_contracts_envelope():
    assert os.environ["LIST_RESPONSE_STYLE"] == "envelope"  # the stack parameter's default, through Globals
    assert config.get().list_response_style == "envelope"
    assert config.get().bare_lists is False


def test_bare_is_the_originals_arrays_and_nothing_else_is_accepted():
    environment = dict(os.environ)
    assert config.get.load({**environment, "LIST_RESPONSE_STYLE": "bare"}).bare_lists is True
    assert config.get.load({k: v for k, v in environment.items() if k != "LIST_RESPONSE_STYLE"}).bare_lists is False
    with pytest.raises(ConfigError, match="LIST_RESPONSE_STYLE"):
        config.get.load({**environment, "LIST_RESPONSE_STYLE": "arrays"})
