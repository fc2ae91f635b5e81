"""Resources are reached by name through one helper, and every kind it knows has its folder."""

import pytest

import resources


def test_every_resource_kind_points_at_a_folder_of_the_package():
    for kind, folder in resources._KINDS.items():
        assert (resources.ROOT / folder).is_dir(), kind
        assert resources.names(kind), f"the {kind} folder is empty"


@pytest.mark.parametrize("kind", ["icon", "font", "picture"])
def test_a_kind_without_a_folder_is_unknown(kind):
    with pytest.raises(resources.UnknownResourceError, match="unknown resource kind"):
        resources.path(kind, "anything")


def test_an_unknown_name_fails_loudly():
    assert resources.path("style", "till.qss").is_file()
    with pytest.raises(resources.UnknownResourceError, match="no style resource"):
        resources.path("style", "kiosk.qss")
