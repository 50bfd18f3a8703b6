"""Check-in replies: done / partly / not-done verdicts, reflections and pause requests."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from community.checkins import CheckinAnswer, classify_checkin
from community.models import CheckinStatus
from community.pauses import PauseRequest, parse_pause_request

DONE = CheckinStatus.DONE
PARTLY = CheckinStatus.PARTLY
NOT_DONE = CheckinStatus.NOT_DONE
UNCLEAR = CheckinStatus.UNCLEAR

TODAY = date(2026, 3, 5)  # a Thursday
A_WEEK_LATER = TODAY + timedelta(days=7)


def result_of(text: str) -> CheckinStatus:
    return classify_checkin(text).result


# ---------------------------------------------------------------------------
# Verdict words and emoji, language by language.

DONE_REPLIES = [
    # English
    "yes", "Yes!", "YES", "yep", "yeah", "yup", "done", "Done.", "did it", "I did", "I did it!",
    "completed", "finished", "nailed it", "Nailed it 💪", "100%", "all done", "of course",
    # emoji, with and without variation selectors and skin tones
    "✅", "✔️", "✔", "☑️", "👍", "👍🏽", "🎉", "💪", "💯", "✅ ✅ ✅",
    # German, French, Spanish, Italian
    "ja", "Ja, erledigt", "erledigt", "geschafft", "Hab ich!",
    "oui", "fait", "C'est fait !", "terminé",
    "sí", "si", "Sí, lo hice", "hecho", "lo hice", "listo",
    "sì", "fatto", "L'ho fatto", "ce l'ho fatta",
    # Dutch, Portuguese, Polish
    "gedaan", "Ja, gelukt", "sim", "feito", "fiz", "tak", "zrobione", "Zrobiłam", "udało się",
    # Russian, Ukrainian
    "да", "сделал", "сделала", "сделал(а)", "Да, сделано", "так", "зробив", "зробила",
    # Chinese, Japanese, Korean
    "是", "是的，完成了", "完成了", "我完成了", "はい", "できた", "はい、できました！",
    "예", "했어요", "네, 했어요",
    # Swedish, Norwegian, Danish
    "ja, klart", "klart", "gjort", "ferdig", "færdig",
]  # fmt: skip

PARTLY_REPLIES = [
    "partly", "partially", "sort of", "kind of", "kinda", "half", "Half.", "mostly", "some of it",
    "almost", "almost done", "nearly", "50%", "80 %", "🟡", "🤏", "½", "done-ish", "a bit",
    "more or less", "3/5",
    "teilweise", "halb", "zum Teil", "fast geschafft", "en partie", "à moitié", "a moitie",
    "plus ou moins", "a medias", "parcialmente", "más o menos", "in parte", "a metà",
    "gedeeltelijk", "em parte", "mais ou menos", "częściowo", "w połowie",
    "частично", "наполовину", "частково", "部分", "一半", "一部", "半分", "일부", "delvis",
]  # fmt: skip

NOT_DONE_REPLIES = [
    "no", "No.", "nope", "nah", "not yet", "Not yet done", "didn't", "did not", "I didn't",
    "failed", "missed", "skipped", "0%", "0/3", "❌", "✖️", "👎", "❌ ❌", "Not this week",
    "nein", "nicht", "Leider nicht", "Noch nicht geschafft", "Habe es nicht geschafft",
    "non", "pas fait", "Je n'ai pas fait", "pas encore",
    "no lo hice", "No, no lo hice", "todavía no",
    "non l'ho fatto", "non ancora",
    "nee", "niet", "nog niet", "não", "Não, não consegui", "ainda não",
    "nie", "Nie zrobiłem", "jeszcze nie", "нет", "не сделал", "Нет, не получилось",
    "ні", "не зробила", "没有", "没有完成", "还没完成", "いいえ", "できなかった", "まだです",
    "아니요", "안 했어요", "아직 못 했어요", "nej", "inte", "Nej, inte gjort", "ikke gjort",
]  # fmt: skip


@pytest.mark.parametrize("text", DONE_REPLIES)
def test_yes_words_and_ticks_in_many_languages_mean_done(text):
    assert result_of(text) is DONE


@pytest.mark.parametrize("text", PARTLY_REPLIES)
def test_partial_words_and_emoji_in_many_languages_mean_partly(text):
    assert result_of(text) is PARTLY


@pytest.mark.parametrize("text", NOT_DONE_REPLIES)
def test_no_words_and_crosses_in_many_languages_mean_not_done(text):
    assert result_of(text) is NOT_DONE


# ---------------------------------------------------------------------------
# Negation, idioms and mixtures.


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a negated "fully" is partly, a negated "done" is not done
        ("not quite", PARTLY),
        ("Not quite done", PARTLY),
        ("not fully", PARTLY),
        ("not completely", PARTLY),
        ("Not entirely, ran twice", PARTLY),
        ("not 100%", PARTLY),
        ("didn't do all of it", PARTLY),
        ("I did not do all of it", PARTLY),
        ("I didn't get to finish everything", PARTLY),
        ("not every day", PARTLY),
        ("nicht ganz", PARTLY),
        ("pas complètement", PARTLY),
        ("no del todo", PARTLY),
        ("non del tutto", PARTLY),
        ("niet helemaal", PARTLY),
        ("não totalmente", PARTLY),
        ("nie do końca", PARTLY),
        ("не совсем", PARTLY),
        ("не повністю", PARTLY),
        ("inte helt", PARTLY),
        ("ikke helt", PARTLY),
        ("not done", NOT_DONE),
        ("NOT DONE", NOT_DONE),
        ("not finished", NOT_DONE),
        ("I didn't finish", NOT_DONE),
        ("I didn't do it at all", NOT_DONE),
        ("not at all", NOT_DONE),
        ("Didn't manage", NOT_DONE),
        ("nicht geschafft", NOT_DONE),
        ("niet gedaan", NOT_DONE),
        ("Nope, not done", NOT_DONE),
        # yes and no together
        ("yes and no", PARTLY),
        ("Yes and no.", PARTLY),
        ("ja und nein", PARTLY),
        ("oui et non", PARTLY),
        ("yes, but only half", PARTLY),
        ("Yes.\nBut only half.", PARTLY),
        ("I did the reading but not the writing", PARTLY),
        ("No, but I did most of it", PARTLY),
        ("mostly done", PARTLY),
        ("Finished half", PARTLY),
        ("I did half", PARTLY),
        # idioms that contain a verdict word
        ("No problem, done!", DONE),
        ("no worries, finished it", DONE),
        ("Done, no issues", DONE),
        ("Not bad, done", DONE),
        ("Kein Problem, erledigt", DONE),
        ("Pas de problème, c'est fait", DONE),
        ("I ran a half marathon, done!", DONE),
        ("No problem!\nDone.", DONE),
        # checklists of emoji
        ("✅✅❌", PARTLY),
        ("✅ ❌", PARTLY),
        ("✅ run\n✅ read\n❌ meditate", PARTLY),
        ("✅ run\n✅ read", DONE),
        # contradictions that cannot be resolved
        ("Yes no", UNCLEAR),
        ("No, done", UNCLEAR),
        ("I'm not sure", UNCLEAR),
        ("No idea", UNCLEAR),
    ],
)
def test_negation_idioms_and_mixtures(text, expected):
    assert result_of(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hi Anna!\nDone, ran 3 times.", DONE),
        ("Hello team. Partly.", PARTLY),
        ("Thanks for asking! No, I got sick.", NOT_DONE),
        ("Honestly? No.", NOT_DONE),
        ("Well, yes.", DONE),
    ],
)
def test_a_greeting_or_filler_before_the_answer_is_looked_past(text, expected):
    assert result_of(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the answer opens the reply; later sentences are reflection
        ("Done. I did not enjoy it at all.", DONE),
        ("Yes! No regrets, no excuses.", DONE),
        ("Nope. Next week I'll do it, promise.", NOT_DONE),
        # prose first: the verdict is not guessed from deep inside
        ("The week was chaotic. Done, I think.", UNCLEAR),
        # a plain yes/no after other words only counts when nothing clearer was said
        ("I said yes to too many things and didn't do it", NOT_DONE),
        ("Hi all, yes!", DONE),
    ],
)
def test_the_verdict_is_read_from_the_beginning(text, expected):
    assert result_of(text) is expected


# ---------------------------------------------------------------------------
# Whole words only.


@pytest.mark.parametrize(
    "text",
    [
        "nobody",
        "yesterday",
        "undone",
        "Nobody knows",
        "Yesterday was a blur",
        "notably busy",
        "Nonetheless, a week",
        "Sinnvoll",
        "Jahresende",
        "Donezk",
        "Halftime show",
        "Fastest week ever",
    ],
)
def test_verdict_words_inside_other_words_do_not_count(text):
    assert result_of(text) is UNCLEAR


@pytest.mark.parametrize(
    "text",
    [
        "Si j'avais le temps, je le referais",  # French "si": if
        "Tak jak zawsze, dużo pracy",  # Polish "tak": so, as
        "是我的问题",  # "是": is
    ],
)
def test_ambiguous_yes_words_count_only_on_their_own(text):
    assert result_of(text) is UNCLEAR


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Sí", DONE), ("SI!", DONE), ("si", DONE), ("NEIN", NOT_DONE), ("Não", NOT_DONE)],
)
def test_case_and_accents_do_not_matter(text, expected):
    assert result_of(text) is expected


def test_text_that_arrives_decomposed_is_read_like_composed_text():
    assert result_of("Sí, hecho") is DONE
    assert result_of("Não") is NOT_DONE


def test_typographic_apostrophes_are_read_like_straight_ones():
    assert result_of("I didn’t") is NOT_DONE
    assert result_of("Non l’ho fatto") is NOT_DONE


# ---------------------------------------------------------------------------
# Unclear replies.


@pytest.mark.parametrize(
    "text",
    [
        "The week was chaotic, I'll explain Thursday",
        "What do you mean?",
        "See attached",
        "Hi!",
        "🤷",
        "...",
        "3.5 km",
    ],
)
def test_free_text_without_a_verdict_is_unclear_and_kept_whole(text):
    answer = classify_checkin(text)
    assert answer == CheckinAnswer(UNCLEAR, text)


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "\t"])
def test_empty_reply_is_unclear_with_empty_reflection(text):
    assert classify_checkin(text) == CheckinAnswer(UNCLEAR, "")


def test_unclear_reply_keeps_the_whole_text_even_when_it_opens_with_verdict_words():
    assert classify_checkin("  Yes no, long story  ") == CheckinAnswer(
        UNCLEAR, "Yes no, long story"
    )


# ---------------------------------------------------------------------------
# Reflection.


@pytest.mark.parametrize(
    ("text", "reflection"),
    [
        ("Yes! Ran 3 times.", "Ran 3 times."),
        ("✅ shipped it", "shipped it"),
        ("✅✅ shipped it", "shipped it"),
        ("Done - ran every morning", "ran every morning"),
        ("Done.\nRan every morning.", "Ran every morning."),
        ("Nope, got sick.", "got sick."),
        ("yes ran 3 times", "ran 3 times"),
        ("Mostly. Ran twice", "Ran twice"),
        ("Not quite, ran twice", "ran twice"),
        ("No problem, done! Wrote 500 words a day.", "Wrote 500 words a day."),
        ("Yes and no, ran once", "ran once"),
        ("Nailed it 💪 5 runs", "5 runs"),
        ("Half of it, the easy half", "the easy half"),
        ("完成了，跑了三次", "跑了三次"),
        ("はい、できました。毎日走りました", "毎日走りました"),
        ("Ja! Jeden Tag gelaufen.", "Jeden Tag gelaufen."),
        ("  Yes!  Ran.  ", "Ran."),
    ],
)
def test_leading_verdict_is_cut_from_the_reflection(text, reflection):
    assert classify_checkin(text).reflection == reflection


@pytest.mark.parametrize(
    "text",
    [
        "Yes",
        "✅",
        "Done!",
        "No.",
        "I did half",
        "✅✅❌",
        "Yes and no.",
    ],
)
def test_a_reply_that_is_only_a_verdict_leaves_an_empty_reflection(text):
    assert classify_checkin(text).reflection == ""


@pytest.mark.parametrize(
    "text",
    [
        "Done the report, not the slides though",  # "done" is part of a sentence
        "Half the runs were in the rain",
        "Didn't do all of it",
        "Yes, but only half",  # cutting "Yes," would leave "but only half"
        "Hi Anna!\nDone, ran 3 times.",  # a greeting is not a verdict
        "I ran a half marathon, done!",
        "Ran 3 times, so: done",
    ],
)
def test_reflection_is_the_whole_text_when_it_does_not_open_with_a_plain_verdict(text):
    answer = classify_checkin(text)
    assert answer.result is not UNCLEAR
    assert answer.reflection == text


def test_a_long_reply_is_classified_from_its_start_and_kept_in_full():
    story = "Ran around the lake, no problem, half marathon next. " * 2000
    assert classify_checkin("Yes! " + story) == CheckinAnswer(DONE, story.strip())
    assert classify_checkin("✅" * 5000) == CheckinAnswer(DONE, "✅" * 5000)


def test_reflection_is_taken_from_the_original_text_not_a_normalised_copy():
    text = "ＹＥＳ！ Ran 3 times — felt GREAT."
    answer = classify_checkin(text)
    assert answer.reflection in text


# ---------------------------------------------------------------------------
# Properties.


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=200))
def test_any_text_gives_a_result_and_a_reflection_drawn_from_it(text):
    answer = classify_checkin(text)
    assert isinstance(answer.result, CheckinStatus)
    assert answer.reflection == "" or answer.reflection in text.strip()
    if answer.result is UNCLEAR:
        assert answer.reflection == text.strip()


_VERDICTISH = st.sampled_from(
    ["yes", "no", "not", "done", "half", "but", "all", "✅", "❌", "🟡", "100%", "3/5", "didn't",
     "no problem", ",", ".", "!", "\n", " ", "完成了", "没有", "是", "si", "tak", "ganz", "nicht"]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_VERDICTISH, st.text(max_size=5)), max_size=12))
def test_any_mix_of_verdict_words_gives_a_result_and_a_reflection_drawn_from_it(parts):
    text = " ".join(parts)
    answer = classify_checkin(text)
    assert isinstance(answer.result, CheckinStatus)
    assert answer.reflection == "" or answer.reflection in text.strip()


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(DONE_REPLIES + PARTLY_REPLIES + NOT_DONE_REPLIES), st.text(max_size=40))
def test_a_verdict_line_decides_whatever_paragraph_follows(verdict, rest):
    expected = result_of(verdict)
    assert result_of(f"{verdict}\n\nSo: {rest}") is expected


# ---------------------------------------------------------------------------
# Pause requests.


def until(text: str, today: date = TODAY) -> date | None:
    request = parse_pause_request(text, today)
    return request.until if request else None


@pytest.mark.parametrize(
    "text",
    [
        "pause",
        "Pause",
        "PAUSE!",
        "Pause please",
        "please pause me",
        "Please, pause",
        "pause me please.",
        "vacation",
        "On vacation",
        "holiday",
        "On holiday",
        "away",
        "I'm away",
        "I’m on holiday, thanks!",
        "skip me",
        "Skip me this time",
        "pause for now",
        "urlaub",
        "Ich bin im Urlaub",
        "vacances",
        "Je suis en vacances",
        "vacaciones",
        "Estoy de vacaciones",
        "ferie",
        "in ferie",
        "vakantie",
        "férias",
        "urlop",
        "отпуск",
        "пауза",
        "відпустка",
        "semester",
        "På semester",
        "Pause.\nI'm travelling a lot these weeks.",
        "\n\n  Pause  \n",
    ],
)
def test_pause_keyword_alone_pauses_for_a_week(text):
    assert parse_pause_request(text, TODAY) == PauseRequest(A_WEEK_LATER)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pause until 2026-12-01", date(2026, 12, 1)),
        ("PAUSE until 2026/12/01", date(2026, 12, 1)),
        ("vacation until 1 December", date(2026, 12, 1)),
        ("Holiday till December 1", date(2026, 12, 1)),
        ("Holiday till December 1st, 2026", date(2026, 12, 1)),
        ("away until 1 Dec 2026", date(2026, 12, 1)),
        ("pause through March 20th", date(2026, 3, 20)),
        ("Pause until the 3rd of April", date(2026, 4, 3)),
        ("pause until Dec. 24", date(2026, 12, 24)),
        ("Urlaub bis 1. Dezember", date(2026, 12, 1)),
        ("Urlaub bis zum 3. März", date(2027, 3, 3)),
        ("Vacances jusqu'au 3 avril", date(2026, 4, 3)),
        ("vacances jusqu’au 1er mai", date(2026, 5, 1)),
        ("Vacaciones hasta el 3 de abril", date(2026, 4, 3)),
        ("ferie fino al 3 aprile", date(2026, 4, 3)),
        ("vakantie tot 3 april", date(2026, 4, 3)),
        ("férias até 3 de abril", date(2026, 4, 3)),
        ("Please pause me until 15 June, thank you!", date(2026, 6, 15)),
        ("Vacation! Until 3 January.", date(2027, 1, 3)),
        ("pause, on holiday until 4 April", date(2026, 4, 4)),
    ],
)
def test_pause_until_a_named_date(text, expected):
    assert until(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 5 March: January and 5 March itself have passed, so next year's
        ("Pause until 1 January", date(2027, 1, 1)),
        ("pause until 5 March", date(2027, 3, 5)),
        ("pause until 6 March", date(2026, 3, 6)),
        ("pause until 4 March", date(2027, 3, 4)),
    ],
)
def test_a_date_without_year_is_its_next_occurrence_after_today(text, expected):
    assert until(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pause for a week", TODAY + timedelta(days=7)),
        ("Pause for 2 weeks", TODAY + timedelta(days=14)),
        ("pause for two weeks", TODAY + timedelta(days=14)),
        ("away for 10 days", TODAY + timedelta(days=10)),
        ("snooze 10 days", TODAY + timedelta(days=10)),
        ("vacation for a couple of weeks", TODAY + timedelta(days=14)),
        ("pause for the next 3 weeks", TODAY + timedelta(days=21)),
        ("pause for a fortnight", TODAY + timedelta(days=14)),
        ("pause for 3 months", date(2026, 6, 5)),
        ("Urlaub für zwei Wochen", TODAY + timedelta(days=14)),
        ("vacances pendant une semaine", TODAY + timedelta(days=7)),
        ("vacaciones por 3 semanas", TODAY + timedelta(days=21)),
        ("ferie per 2 settimane", TODAY + timedelta(days=14)),
        ("vakantie voor 2 weken", TODAY + timedelta(days=14)),
    ],
)
def test_pause_for_a_duration(text, expected):
    assert until(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pause until tomorrow", date(2026, 3, 6)),
        ("Please pause me until Monday", date(2026, 3, 9)),
        ("away until next Monday", date(2026, 3, 9)),
        ("I'm away until Friday, thanks!", date(2026, 3, 6)),
        ("away until Thursday", date(2026, 3, 12)),  # today is Thursday: the next one
        ("Urlaub bis Sonntag", date(2026, 3, 8)),
        ("skip this week", date(2026, 3, 8)),
        ("skip me this week", date(2026, 3, 8)),
        ("on holiday next week", date(2026, 3, 15)),
        ("pause until next week", date(2026, 3, 8)),
    ],
)
def test_pause_until_a_weekday_or_relative_week(text, expected):
    assert until(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "pause until 12/01",  # December 1st or 12 January: not guessed
        "Pause bis 12.01.",
        "pause until 03/04/2026",
        "Pause until I'm back",
        "vacation until further notice",
        "away for my sister's wedding",
        "pause until 2025-01-01",  # in the past
        "pause until 2026-03-05",  # today
        "pause until 31 February",
        "pause for 0 days",
    ],
)
def test_pause_with_a_date_that_cannot_be_read_safely_lasts_a_week(text):
    assert until(text) == A_WEEK_LATER


@pytest.mark.parametrize(
    "text",
    [
        "pause until 1 January 2030",
        "pause until 2028-01-01",
        "pause for 5 years",
        "pause for 18 months",
        "pause for 900 days",
        "pause until 29 February",  # next one is in 2028
    ],
)
def test_pause_is_capped_at_366_days(text):
    assert until(text) == TODAY + timedelta(days=366)


@pytest.mark.parametrize(
    "text",
    [
        "I paused my gym membership",
        "I'm pausing my gym membership until June",
        "Paused",
        "Pausing is hard",
        "Pause the meeting",
        "Holiday plans: none",
        "Away from my desk",
        "Skip the boring part",
        "Pause?",
        "Can I pause?",
        "Should I take a vacation until May?",
        "until 1 January",
        "Yes",
        "Done, then on vacation",
        "",
        "   ",
        "Ran 3 times.\npause",  # the request must be the first line
        "Vacation was lovely",
        "holidayed in Rome",
    ],
)
def test_text_that_is_not_a_pause_command_is_not_a_request(text):
    assert parse_pause_request(text, TODAY) is None


@pytest.mark.parametrize(
    "text",
    [
        "Skip sugar for two weeks",
        "Take a break every hour to stretch",
        "Pause social media until Friday",
        "Break my phone habit",
        "Away from screens after 9pm",
        "Holiday shopping done by Friday",
        "Urlaub planen",
        "Vacances: réserver le train",
    ],
)
def test_a_commitment_that_starts_with_a_pause_word_is_not_a_request(text):
    assert parse_pause_request(text, TODAY) is None


def test_pause_request_uses_the_given_day_not_the_clock():
    assert until("pause", date(2030, 12, 30)) == date(2031, 1, 6)
    assert until("pause until 1 January", date(2030, 12, 30)) == date(2031, 1, 1)


@settings(max_examples=400, deadline=None)
@given(
    st.text(max_size=80),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
    st.sampled_from(["", "pause ", "vacation until ", "Urlaub bis ", "away for "]),
)
def test_any_text_gives_no_request_or_a_pause_within_a_year(text, today, prefix):
    request = parse_pause_request(prefix + text, today)
    if request is not None:
        assert today < request.until <= today + timedelta(days=366)
