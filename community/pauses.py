"""Reading "pause" replies: a member asking for a break, with an optional end date."""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass

from .checkins import fold


@dataclass(frozen=True)
class PauseRequest:
    until: datetime.date  # last day of the pause


DEFAULT_PAUSE = datetime.timedelta(days=7)
MAX_PAUSE = datetime.timedelta(days=366)


def _alternation(phrases: str) -> str:
    """A regex alternation of folded phrases, longest first so "on holiday" beats "on"."""
    folded = {fold(" ".join(p.split())) for p in phrases.replace("\n", " ").split("|")}
    parts = sorted((p for p in folded if p), key=len, reverse=True)
    return "|".join(re.escape(p).replace("\\ ", r"\s+") for p in parts)


_PAUSE_WORDS = """
pause | pause me | snooze | vacation | on vacation | holiday | holidays | on holiday |
on holidays | away | skip | skip me | break | on break | taking a break | take a break |
pausieren | pausiere | urlaub | im urlaub | ferien | in den ferien | auszeit |
en pause | mettre en pause | vacances | en vacances | congé | en congé |
pausa | en pausa | pausar | vacaciones | de vacaciones | in pausa | ferie | in ferie |
vacanza | in vacanza | férias | de férias | em férias |
pauze | vakantie | op vakantie |
pauza | urlop | na urlopie | wakacje | пауза | отпуск | в отпуске | відпустка | у відпустці |
paus | semester | på semester | på ferie |
休假 | 休暇 | 休み | 휴가
"""
_POLITE = """
please | pls | plz | kindly | bitte | por favor | per favore | s'il vous plaît | svp |
s'il te plaît | alstublieft | proszę | пожалуйста | будь ласка
"""
_I_AM = """
i'm | im | i am | i'll be | i will be | ich bin | je suis | je serai | estoy | estaré | sono |
ik ben | estou | jestem
"""
_PAUSE_FILLERS = (
    _POLITE
    + "|"
    + _PAUSE_WORDS
    + """|
me | us | for me | my emails | emails | the emails | mails | my mails | check-ins | checkins |
my check-ins | my checkins | reminders | my reminders | mode | again | and | too | as well |
mich | moi | aub | graag | thanks | thank you | thx | danke | merci | gracias | grazie |
obrigado | obrigada | bedankt | dziękuję | спасибо | дякую | tack | takk |
from now | from now on | from today | starting today | starting now | ab sofort | ab heute |
this time | for now | for a while | for a bit | for the time being
"""
)
_UNTIL_WORDS = """
until | till | til | 'til | untill | through | thru | up to | bis | bis zum | bis zur |
bis am | bis einschließlich | jusqu'au | jusqu'à | jusqu au | hasta | hasta el | fino al |
fino a | tot | tot en met | até | até o | até ao | até dia | до
"""
_FOR_WORDS = "for | für | pendant | durant | durante | por | per | voor | przez | на"

_MONTHS = {
    1: "january jan januar jänner janvier enero gennaio januari janeiro",
    2: "february feb februar février febrero febbraio februari fevereiro",
    3: "march mar märz maerz mars marzo maart março",
    4: "april apr avril abril aprile",
    5: "may mai mayo maggio mei maio",
    6: "june jun juni juin junio giugno junho",
    7: "july jul juli juillet julio luglio julho",
    8: "august aug août agosto augustus",
    9: "september sep sept septembre septiembre setiembre settembre setembro",
    10: "october oct oktober octobre octubre ottobre outubro",
    11: "november nov novembre noviembre novembro",
    12: "december dec dezember décembre diciembre dicembre dezembro",
}
_MONTH_NUMBERS = {fold(name): n for n, names in _MONTHS.items() for name in names.split()}
_WEEKDAYS = {
    0: "monday mon montag lundi lunes lunedì maandag segunda",
    1: "tuesday tue tues dienstag mardi martes martedì dinsdag terça",
    2: "wednesday wed mittwoch mercredi miércoles mercoledì woensdag quarta",
    3: "thursday thu thur thurs donnerstag jeudi jueves giovedì donderdag quinta",
    4: "friday fri freitag vendredi viernes venerdì vrijdag sexta",
    5: "saturday sat samstag samedi sábado sabato zaterdag",
    6: "sunday sun sonntag dimanche domingo domenica zondag",
}
_WEEKDAY_NUMBERS = {fold(name): n for n, names in _WEEKDAYS.items() for name in names.split()}
_NUMBER_NAMES = {
    1: "a | an | one | ein | eine | einen | un | une | una | een | um | uma",
    2: "two | a couple of | a couple | couple of | zwei | deux | dos | due | twee | dois | duas",
    3: "three | drei | trois | tres | tre | drie",
    4: "four | vier | quatre | cuatro | quattro",
    5: "five",
    6: "six",
}
_NUMBER_WORDS = {name.strip(): n for n, names in _NUMBER_NAMES.items() for name in names.split("|")}
_UNIT_NAMES = {
    "day": "day days tag tage tagen jour jours día días giorno giorni dag dagen",
    "week": "week weeks woche wochen semaine semaines semana semanas settimana settimane weken",
    "fortnight": "fortnight",
    "month": "month months monat monate monaten mois mes meses mese mesi maand maanden",
    "year": "year years jahr jahre an ans año años anno anni jaar jaren ano anos",
}
_UNITS = {fold(name): unit for unit, names in _UNIT_NAMES.items() for name in names.split()}
_UNIT_DAYS = {"day": 1, "week": 7, "fortnight": 14, "year": 366}

_END = r"(?![\w'])"
_MONTH_RE = "|".join(sorted(map(re.escape, _MONTH_NUMBERS), key=len, reverse=True))
_WEEKDAY_RE = "|".join(sorted(map(re.escape, _WEEKDAY_NUMBERS), key=len, reverse=True))
_NUMBER_RE = "|".join(
    [r"\d{1,3}", *sorted((w.replace(" ", r"\s+") for w in _NUMBER_WORDS), key=len, reverse=True)]
)
_UNIT_RE = "|".join(sorted(_UNITS, key=len, reverse=True))

_PAUSE_START = re.compile(
    rf"(?:(?:{_alternation(_POLITE)})\s*[,!]?\s+)?"
    rf"(?:(?:{_alternation(_I_AM)})\s+)?"
    rf"(?:{_alternation(_PAUSE_WORDS)}){_END}"
)
_FILLER_RE = re.compile(rf"(?:{_alternation(_PAUSE_FILLERS)}){_END}")
_UNTIL_RE = re.compile(rf"(?:{_alternation(_UNTIL_WORDS)})(?:\s+|{_END})")
_FOR_RE = re.compile(rf"(?:{_alternation(_FOR_WORDS)})\s+")
_ISO_DATE = re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)")
_DAY_MONTH = re.compile(
    r"(?:(?:the|le|el|il|den|dem|o)\s+)?(?P<d>\d{1,2})(?:st|nd|rd|th|er|re|eme|e|o|a|º|ª|°|\.)?"
    rf"\s*(?:(?:of|de|di)\s+)?(?P<m>{_MONTH_RE})\.?{_END}"
    r"(?:,?\s*(?:de\s+)?(?P<y>\d{4})(?!\d))?"
)
_MONTH_DAY = re.compile(
    rf"(?P<m>{_MONTH_RE})\.?\s+(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?{_END}"
    r"(?:,?\s*(?P<y>\d{4})(?!\d))?"
)
# Day and month in digits only: 12/01 is December 1st to some and 12 January to others.
_AMBIGUOUS_DATE = re.compile(r"\d{1,2}[/.]\d{1,2}(?:[/.](?:\d{4}|\d{2}))?\.?(?!\d)")
_WEEKDAY = re.compile(
    rf"(?:(?:next|this|coming|nachsten|kommenden|prochain|el\s+proximo|proximo)\s+)?"
    rf"(?P<wd>{_WEEKDAY_RE}){_END}(?:\s+(?:prochain|que\s+viene){_END})?"
)
_TOMORROW = re.compile(rf"(?:tomorrow|morgen|demain|manana|domani|amanha|jutro|завтра){_END}")
_THIS_WEEK = re.compile(
    rf"(?:(?:the\s+)?(?:rest\s+of\s+|end\s+of\s+)?(?:the\s+|this\s+)?week|diese\s+woche"
    rf"|cette\s+semaine|esta\s+semana|questa\s+settimana|deze\s+week){_END}"
)
_NEXT_WEEK = re.compile(
    rf"(?:next\s+week|nachste\s+woche|la\s+semaine\s+prochaine|la\s+semana\s+que\s+viene"
    rf"|la\s+proxima\s+semana|la\s+prossima\s+settimana|volgende\s+week"
    rf"|(?:a\s+)?proxima\s+semana|na\s+semana\s+que\s+vem){_END}"
)
_DURATION = re.compile(
    r"(?:(?:the|die|les|las|los|le|gli|os|as|de)\s+)?"
    r"(?:(?:next|coming|nachsten|prochaines?|proximas?|proximos?|prossim[ie]|komende|volgende)\s+)?"
    rf"(?P<n>{_NUMBER_RE})\s+(?P<unit>{_UNIT_RE}){_END}"
)
_PAUSE_TERMINATORS = ".!?"


def parse_pause_request(text: str, today: datetime.date) -> PauseRequest | None:
    """A member asking to pause ("Vacation until 1 December"), or None when it is not one."""
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    folded = " ".join(fold(line).split())
    start = _PAUSE_START.match(folded)
    if start is None:
        return None
    tail = _read_pause_tail(folded, start.end(), today)
    if tail is None:
        return None
    until = tail.until
    if until is None or until <= today:
        until = today + DEFAULT_PAUSE
    return PauseRequest(min(until, today + MAX_PAUSE))


@dataclass(frozen=True)
class _PauseTail:
    until: datetime.date | None  # None: no usable date was given


_PAUSE_SEPARATORS = frozenset(" ,:;-–—()")


def _read_pause_tail(s: str, pos: int, today: datetime.date) -> _PauseTail | None:
    """The date after the pause keyword, or None when the line is not a command after all.

    After the keyword only politeness and one date phrase may follow, so "Pause the
    meeting" or "Holiday plans: ..." are sentences about something else. Once the first
    sentence ends, the rest is the member talking and is ignored.
    """
    until: datetime.date | None = None
    dated = False
    while True:
        while pos < len(s) and s[pos] in _PAUSE_SEPARATORS:
            pos += 1
        if pos >= len(s):
            return _PauseTail(until)
        if s[pos] in _PAUSE_TERMINATORS:
            if s[pos] == "?" and not dated:
                return None  # "Pause?" asks about pausing
            after = pos
            while after < len(s) and (s[after] in _PAUSE_SEPARATORS or s[after] in ".!"):
                after += 1
            if dated or not (_UNTIL_RE.match(s, after) or _FOR_RE.match(s, after)):
                return _PauseTail(until)
            pos = after  # "Vacation! Until 3 January."
        if m := _FILLER_RE.match(s, pos):
            pos = m.end()
            continue
        if m := _UNTIL_RE.match(s, pos):
            found = _date_phrase(s, m.end(), today, after_until=True)
        elif m := _FOR_RE.match(s, pos):
            found = _date_phrase(s, m.end(), today, after_until=False)
        else:
            found = _date_phrase(s, pos, today, after_until=False)
            if found is None:
                return None
        if found is None:
            # "until I'm back", "for my wedding": clearly a pause, but no date we can read.
            assert m is not None  # only "until" and "for" phrases get here without a date
            found = (None, _sentence_end(s, m.end()))
        date, pos = found
        if not dated:
            until, dated = date, True


def _sentence_end(s: str, pos: int) -> int:
    ends = [i for i in (s.find(ch, pos) for ch in _PAUSE_TERMINATORS) if i >= 0]
    return min(ends, default=len(s))


def _date_phrase(
    s: str, pos: int, today: datetime.date, after_until: bool
) -> tuple[datetime.date | None, int] | None:
    """(date, end) for a date phrase at pos; the date is None when it names no usable day."""
    if m := _ISO_DATE.match(s, pos):
        return _explicit(int(m["y"]), int(m["m"]), int(m["d"]), today), m.end()
    for pattern in (_DAY_MONTH, _MONTH_DAY):
        if m := pattern.match(s, pos):
            month, day = _MONTH_NUMBERS[m["m"]], int(m["d"])
            if m["y"]:
                return _explicit(int(m["y"]), month, day, today), m.end()
            return _next_occurrence(month, day, today), m.end()
    if m := _AMBIGUOUS_DATE.match(s, pos):
        return None, m.end()
    if m := _TOMORROW.match(s, pos):
        return today + datetime.timedelta(days=1), m.end()
    if m := _WEEKDAY.match(s, pos):
        ahead = (_WEEKDAY_NUMBERS[m["wd"]] - today.weekday() - 1) % 7 + 1
        return today + datetime.timedelta(days=ahead), m.end()
    if m := _NEXT_WEEK.match(s, pos):
        # "until next week" ends with this week; "pause next week" covers next week.
        return _coming_sunday(today, 0 if after_until else 1), m.end()
    if m := _THIS_WEEK.match(s, pos):
        return _coming_sunday(today, 0), m.end()
    if m := _DURATION.match(s, pos):
        number = m["n"]
        count = int(number) if number.isdigit() else _NUMBER_WORDS[" ".join(number.split())]
        unit = _UNITS[m["unit"]]
        # Anything past the cap ends at the cap; bounding here keeps the arithmetic small.
        if unit == "month":
            return _add_months(today, min(count, 13)), m.end()
        days = min(count * _UNIT_DAYS[unit], MAX_PAUSE.days + 1)
        return today + datetime.timedelta(days=days), m.end()
    return None


def _explicit(year: int, month: int, day: int, today: datetime.date) -> datetime.date | None:
    try:
        date = datetime.date(year, month, day)
    except ValueError:
        return None
    return date if date > today else None


def _next_occurrence(month: int, day: int, today: datetime.date) -> datetime.date | None:
    """The first such day after today (29 February may be a few years off)."""
    for year in range(today.year, today.year + 9):
        try:
            date = datetime.date(year, month, day)
        except ValueError:
            continue
        if date > today:
            return date
    return None


def _coming_sunday(today: datetime.date, extra_weeks: int) -> datetime.date:
    ahead = (6 - today.weekday() - 1) % 7 + 1  # strictly after today
    return today + datetime.timedelta(days=ahead + 7 * extra_weeks)


def _add_months(today: datetime.date, months: int) -> datetime.date:
    """The same day of the month, months later (31 January + 1 month is 28/29 February)."""
    year, month = divmod(today.month - 1 + months, 12)
    year += today.year
    month += 1
    return datetime.date(year, month, min(today.day, calendar.monthrange(year, month)[1]))
