"""Which replies to a prompt mean "keep last week's commitment"."""

import pytest

from community.carryover import asks_to_carry


@pytest.mark.parametrize(
    "text",
    [
        "same",
        "Same!",
        "Carry it over.",
        "  carry over  \n\nSent from my phone",
        "Same as last week :)",
        "Pareil",
        "la même chose",
        "Übernehmen",
        "lo mismo",
        "hetzelfde",
    ],
)
def test_short_replies_that_keep_the_commitment(text):
    assert asks_to_carry(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Same time tomorrow I'll write 500 words",  # a commitment that starts with "same"
        "Write the same chapter again, but shorter",
        "Not the same",
        "carry the boxes over to the new office",
    ],
)
def test_commitments_that_only_mention_the_words_are_taken_as_written(text):
    assert not asks_to_carry(text)
