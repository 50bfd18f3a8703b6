"""Reading check-in replies: the done / partly / not-done verdict and requests to pause."""

from __future__ import annotations

import calendar
import datetime
import enum
import re
import unicodedata
from dataclasses import dataclass


class CheckinResult(enum.StrEnum):
    DONE = "done"
    PARTLY = "partly"
    NOT_DONE = "not_done"
    UNCLEAR = "unclear"


@dataclass(frozen=True)
class CheckinAnswer:
    result: CheckinResult
    # The member's text minus a leading verdict ("Yes! Ran 3 times." -> "Ran 3 times.");
    # the whole text when it did not open with a plain verdict or the verdict is unclear.
    reflection: str


@dataclass(frozen=True)
class PauseRequest:
    until: datetime.date  # last day of the pause


DONE = CheckinResult.DONE
PARTLY = CheckinResult.PARTLY
NOT_DONE = CheckinResult.NOT_DONE
UNCLEAR = CheckinResult.UNCLEAR


# ---------------------------------------------------------------------------
# Folding: case-, accent- and apostrophe-insensitive comparison.

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'"})


def _fold(text: str) -> str:
    text = text.translate(_APOSTROPHES).casefold()
    kept: list[str] = []
    for ch in unicodedata.normalize("NFD", text):
        # Accents are noise on Latin letters ("si"/"sí", "nao"/"não"), but elsewhere the
        # mark is part of the letter (й, で) and dropping it would merge unrelated words.
        if unicodedata.combining(ch) and kept and kept[-1].isascii():
            continue
        kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept))


# ---------------------------------------------------------------------------
# Vocabulary of check-in replies.


class _Role(enum.Enum):
    VERDICT = "verdict"  # says done / partly / not done by itself
    INTERJECTION = "interjection"  # yes / no: decisive only when it opens the sentence
    NEGATOR = "negator"  # "not": turns a following "done" or "fully" around
    COMPLETE = "complete"  # "fully", "all": after a negator means "partly"
    IDIOM = "idiom"  # "no problem": contains a verdict word but is no verdict
    CONTRAST = "contrast"  # "but": opposite verdicts around it mean "partly"
    FILLER = "filler"  # "well", "honestly": carries nothing
    GREETING = "greeting"  # "hi", "thanks": opens a reply without answering
    PUNCT = "punct"
    STOP = "stop"  # ends a sentence
    SYMBOL = "symbol"  # an emoji or sign that is no verdict
    OTHER = "other"  # any other word: the member is saying something


@dataclass(frozen=True)
class _Entry:
    role: _Role
    verdict: CheckinResult | None = None
    negates: bool = False  # also negates what follows ("didn't do all of it")
    standalone: bool = False  # only a verdict when nothing follows in the clause ("si", "tak")
    weak: bool = False  # counts only when nothing stronger was said ("nothing", "3/5")
    full: bool = False  # "100%": complete as well as done


# Phrases are separated by "|"; words inside a phrase by spaces. Han and kana phrases are
# written without spaces, as members write them.
_YES = """
yes | yeah | yep | yup | yea | yass | yess | ja | jep | jo | jup | jap | japp | jepp | jawohl |
oui | ouais | ouaip | sim | да | ага | 예 | 네 | 응 | はい | うん | 对的
"""
_YES_STANDALONE = "si | tak | так | 是 | 是的 | 对"  # also "if", "so", "is" in running text
_NO_NEGATING = "no | non | nie | não | 没有"  # also the verb negator in their language
_NO = "nope | nah | nein | nee | нет | ні | いいえ | 아니요 | 아니오 | 아뇨 | 아니 | nej | nei"
_NO_STANDALONE = "不是"
_NEGATORS = "not | never | nicht | kein | keine | pas | niet | не | inte | ikke | 没 | 안 | 못"

_DONE_WORDS = """
done | did it | i did | i did it | did that | i did that | completed | complete | completed it |
finished | finished it | accomplished | achieved | achieved it | succeeded | success |
nailed it | crushed it | smashed it | killed it | got it done | managed | managed it | made it |
kept it | absolutely | definitely | of course | sure did |
erledigt | geschafft | gemacht | fertig | hab ich | habe ich | erfüllt | geklappt |
hat geklappt | auf jeden fall |
fait | c'est fait | terminé | fini | réussi | accompli | je l'ai fait | bien sûr |
hecho | lo hice | listo | completado | cumplido | terminado | logrado | lo logré | conseguido |
lo conseguí | por supuesto | claro |
fatto | fatta | l'ho fatto | l'ho fatta | completato | finito | riuscito | ce l'ho fatta |
compiuto | certo |
gedaan | gelukt | klaar | voltooid | afgerond | gehaald | natuurlijk |
feito | fiz | consegui | concluído | cumprido | pronto |
zrobione | zrobiłem | zrobiłam | zrobiłem to | zrobiłam to | udało się | gotowe | wykonane |
oczywiście |
сделал | сделала | сделано | сделали | выполнил | выполнила | выполнено | готово | получилось |
справился | справилась | успел | успела | конечно |
зробив | зробила | зроблено | виконав | виконала | виконано | вийшло | вдалося | встиг |
встигла | звісно |
完成了 | 完成 | 做到了 | 做了 | 做完了 | 搞定 | 搞定了 | 已完成 | 当然 |
できた | できました | やった | やりました | 完了 | 終わった | 終わりました | 達成 |
했어요 | 했습니다 | 했어 | 했다 | 완료 | 완료했어요 | 성공 | 해냈어요 | 물론 |
klart | gjort | gjorde det | klar | ferdig | færdig | färdig | fixat | fikset
"""
_PARTLY_WORDS = """
partly | partially | partial | sort of | sorta | kind of | kinda | half | halfway | half of it |
mostly | most of it | some of it | did some | a bit | a little | somewhat | almost | nearly |
more or less | in part | part of it | ish | yes and no | not much | so so | ½ | ¼ | ¾ |
teilweise | halb | halbwegs | zum teil | größtenteils | fast geschafft | fast fertig |
fast alles | so halb | ein bisschen |
ja und nein | zur hälfte | mehr oder weniger |
en partie | à moitié | partiellement | presque | plus ou moins | un peu | oui et non |
la moitié |
a medias | parcialmente | en parte | casi | más o menos | la mitad | un poco | sí y no |
in parte | parzialmente | a metà | quasi | più o meno | un po | sì e no | per metà |
gedeeltelijk | deels | bijna | grotendeels | min of meer | een beetje | ja en nee |
voor de helft |
em parte | metade | quase | mais ou menos | um pouco | sim e não |
częściowo | w połowie | prawie | po części | trochę | tak i nie |
частично | наполовину | почти | отчасти | немного | да и нет |
частково | майже | трохи | так і ні | і так і ні |
部分 | 部分完成 | 一半 | 差不多 | 基本完成 | 大部分 | 一点 | 不完全 |
一部 | 半分 | 少し | ほぼ | 部分的 | だいたい | まあまあ |
일부 | 반 | 절반 | 부분적으로 | 거의 | 조금 |
delvis | halvt | nästan | nesten | næsten | till viss del
"""
# Negative verbs and "not yet" also reach forward: "didn't do all of it" is partly done,
# "not yet done" and "还没完成" are not done.
_NOT_NEGATING = """
didn't | didnt | did not | i didn't | i didnt | i did not | haven't | havent | have not |
i haven't | i have not | couldn't | couldnt | could not | i couldn't | i could not |
wasn't able | was not able | i wasn't able | i was not able | not yet | not really |
je n'ai pas | n'ai pas | no pude | noch nicht | pas encore | todavía no | aún no | non ancora |
nog niet | ainda não | jeszcze nie | ещё не | еще не | ще не | inte än | inte ännu |
ikke ennå | ikke endnu | 还没 | 还没有
"""
_NOT_WORDS = """
not at all | not this week | failed | i failed | fail | missed | i missed |
skipped | i skipped | no luck | did nothing | i did nothing | nothing done | gave up | i gave up |
no progress |
gar nicht | gescheitert | verpasst |
pas du tout | échoué |
no lo hice | fallé | para nada |
non l'ho fatto | fallito | per niente | non ce l'ho fatta |
mislukt | helemaal niet |
falhei |
ещё нет | еще нет |
ще ні |
没做 | 没完成 | 没有完成 | 未完成 | 失败 | 没做到 |
できなかった | やらなかった | できませんでした | やりませんでした | まだ | だめ | ダメ |
失敗 | 無理 |
못했어요 | 안했어요 | 못했어 | 안했어 | 실패 | 아직 |
misslyckades
"""
# Said on their own they mean "not done", but they turn up in plenty of other sentences.
_NOT_WEAK = "nothing | zero | nichts | rien | nada | niente | niks | nic | ничего | нічого"
_COMPLETE = """
quite | fully | completely | entirely | totally | all | everything | every | each | whole |
all of it | the whole thing |
ganz | komplett | vollständig | alles | tout | tout à fait | complètement | entièrement |
totalement | todo | del todo | completamente | totalmente | tutto | del tutto | helemaal |
volledig | tudo | całkiem | wszystko | do końca | w pełni | совсем | полностью | всё | все |
зовсім | повністю | усе | helt | allt | alt |
全部 | 完全 | 全て | 다 | 전부 | 완전히
"""
_IDIOMS = """
no problem | no problems | no worries | no doubt | no regrets | no excuses | no matter |
no matter what | no kidding | no joke | no way | no idea | no issues | no issue | no question |
not bad | not sure | not only | not gonna lie | not going to lie | not to mention |
half marathon | at all | all in all | after all | first of all | above all |
kein problem | kein stress | nicht schlecht |
pas de problème | pas de souci | pas mal | sans problème |
no pasa nada | sin problema | ni idea |
non c'è problema | non male |
geen probleem | niet slecht |
sem problema | nie ma problemu |
без проблем | нет проблем | не проблема |
没问题 | 不错 | 問題ない | 문제없어요 |
inga problem | ingen problem
"""
_CONTRASTS = """
but | though | although | however | except | yet | aber | jedoch | mais | pero | sin embargo |
ma | maar | mas | porém | ale | но | але | men |
但 | 但是 | 不过 | でも | けど | 하지만 | 그런데 | 그러나
"""
_FILLERS = """
well | so | um | umm | uh | uhm | hmm | hm | erm | oh | ah | honestly | ok | okay | actually |
also | tbh | to be honest | i think | i guess | nun | naja | alors | bon | eh bien | bueno |
pues | allora | beh | dunque | nou | bem | więc | ну | 嗯 | えっと | 음
"""
_GREETINGS = """
hi | hello | hey | dear | sorry | thanks | thank you | hallo | moin | servus | danke |
bonjour | salut | coucou | merci | hola | gracias | ciao | buongiorno | grazie | hoi | olá |
obrigado | obrigada | cześć | dzięki | привет | привіт | спасибо | дякую | hej | hei | tack |
你好 | こんにちは | 안녕하세요
"""

# Emoji are compared without variation selectors and skin tones ("✔️" is "✔").
_EMOJI: dict[str, _Entry] = {
    char: _Entry(_Role.VERDICT, verdict, full=char == "💯")
    for chars, verdict in (
        ("✅✔☑✓👍🎉💪🥳🙌🏆👌🟢💯", DONE),
        ("🟡🟠🤏", PARTLY),
        ("❌✖✗✘👎🚫⛔🔴❎☒", NOT_DONE),
    )
    for char in chars
}

_CJK_RANGES = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{_CJK_RANGES}]")

_LEXICON: dict[tuple[str, ...], _Entry] = {}
_CJK_WORDS: set[str] = set()


def _add(phrases: str, entry: _Entry) -> None:
    for phrase in phrases.replace("\n", " ").split("|"):
        phrase = _fold(" ".join(phrase.split()))
        if not phrase:
            continue
        if all(_CJK_CHAR.match(ch) for ch in phrase):
            # Han and kana run together without spaces; these are found by segmenting.
            _CJK_WORDS.add(phrase)
            key: tuple[str, ...] = (phrase,)
        else:
            key = tuple(phrase.split())
        if key in _LEXICON:
            raise ValueError(f"check-in vocabulary lists {phrase!r} twice")
        _LEXICON[key] = entry


_add(_YES, _Entry(_Role.INTERJECTION, DONE))
_add(_YES_STANDALONE, _Entry(_Role.INTERJECTION, DONE, standalone=True))
_add(_NO_NEGATING, _Entry(_Role.INTERJECTION, NOT_DONE, negates=True))
_add(_NO, _Entry(_Role.INTERJECTION, NOT_DONE))
_add(_NO_STANDALONE, _Entry(_Role.INTERJECTION, NOT_DONE, standalone=True))
_add(_NEGATORS, _Entry(_Role.NEGATOR, negates=True))
_add(_DONE_WORDS, _Entry(_Role.VERDICT, DONE))
_add(_PARTLY_WORDS, _Entry(_Role.VERDICT, PARTLY))
_add(_NOT_NEGATING, _Entry(_Role.VERDICT, NOT_DONE, negates=True))
_add(_NOT_WORDS, _Entry(_Role.VERDICT, NOT_DONE))
_add(_NOT_WEAK, _Entry(_Role.VERDICT, NOT_DONE, weak=True))
_add(_COMPLETE, _Entry(_Role.COMPLETE))
_add(_IDIOMS, _Entry(_Role.IDIOM))
_add(_CONTRASTS, _Entry(_Role.CONTRAST))
_add(_FILLERS, _Entry(_Role.FILLER))
_add(_GREETINGS, _Entry(_Role.GREETING))

_MAX_PHRASE = max(len(key) for key in _LEXICON)
_MAX_CJK_WORD = max(len(word) for word in _CJK_WORDS)


# ---------------------------------------------------------------------------
# Tokens and items.

_MARKS = "\u0300-\u036f\u0483-\u0489"  # combining marks, for text that arrives decomposed
_WORD_CHAR = f"(?:(?![{_CJK_RANGES}])[^\\W_]|[{_MARKS}])"
_TOKEN_RE = re.compile(
    r"(?P<newline>\n)"
    r"|(?P<percent>\d+(?:[.,]\d+)?\s?[%％])"
    r"|(?P<ratio>\d+\s?/\s?\d+)"
    r"|(?P<number>\d+(?:[.,:]\d+)+)"
    rf"|(?P<cjk>[{_CJK_RANGES}]+)"
    rf"|(?P<word>{_WORD_CHAR}+(?:['’ʼ]{_WORD_CHAR}+)*)"
    r"|(?P<symbol>[^\w\s](?:[\ufe0e\ufe0f\U0001f3fb-\U0001f3ff]|\u200d[^\w\s])*)"
)
_EMOJI_MODIFIERS = re.compile("[\ufe0e\ufe0f\U0001f3fb-\U0001f3ff]")
_SENTENCE_ENDS = frozenset(".!?;…。！？；‼⁉⁈")


@dataclass(frozen=True)
class _Token:
    kind: str  # "word", "stop", "punct", "symbol", "emoji", "percent", "ratio", "number"
    norm: str
    start: int
    end: int
    whole_run: bool = False  # a Han/kana word that was the entire run of such characters


@dataclass(frozen=True)
class _Item:
    role: _Role
    start: int
    end: int
    verdict: CheckinResult | None = None
    negates: bool = False
    weak: bool = False
    full: bool = False
    source: str = "word"  # "word", "emoji" or "number"


def _tokenize(body: str) -> list[_Token]:
    tokens: list[_Token] = []
    for m in _TOKEN_RE.finditer(body):
        kind = m.lastgroup or "symbol"
        text = m.group()
        if kind == "newline":
            tokens.append(_Token("stop", "\n", m.start(), m.end()))
        elif kind == "cjk":
            tokens.extend(_segment_cjk(text, m.start()))
        elif kind == "word":
            tokens.append(_Token("word", _fold(text), m.start(), m.end()))
        elif kind == "symbol":
            base = _EMOJI_MODIFIERS.sub("", text)
            if base in _EMOJI:
                kind = "emoji"
            elif base and base[0] in _SENTENCE_ENDS:
                kind = "stop"
            elif not base or unicodedata.category(base[0])[0] in "PZC":
                kind = "punct"
            tokens.append(_Token(kind, base, m.start(), m.end()))
        else:
            tokens.append(_Token(kind, text, m.start(), m.end()))
    return tokens


def _segment_cjk(run: str, offset: int) -> list[_Token]:
    """Split a run of Han/kana into known words (longest first) and unknown stretches."""
    tokens: list[_Token] = []
    unknown_from: int | None = None
    i = 0
    while i < len(run):
        for length in range(min(_MAX_CJK_WORD, len(run) - i), 0, -1):
            if run[i : i + length] in _CJK_WORDS:
                break
        else:
            length = 0
        if not length:
            if unknown_from is None:
                unknown_from = i
            i += 1
            continue
        if unknown_from is not None:
            tokens.append(_Token("word", run[unknown_from:i], offset + unknown_from, offset + i))
            unknown_from = None
        whole = length == len(run)
        tokens.append(_Token("word", run[i : i + length], offset + i, offset + i + length, whole))
        i += length
    if unknown_from is not None:
        tokens.append(_Token("word", run[unknown_from:], offset + unknown_from, offset + len(run)))
    return tokens


def _items(tokens: list[_Token]) -> list[_Item]:
    items: list[_Item] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.kind == "word":
            matched = _match_phrase(tokens, i)
            if matched is None:
                items.append(_Item(_Role.OTHER, token.start, token.end))
                i += 1
                continue
            entry, length = matched
            last = tokens[i + length - 1]
            items.append(
                _Item(
                    entry.role,
                    token.start,
                    last.end,
                    entry.verdict,
                    entry.negates,
                    entry.weak,
                    entry.full,
                )
            )
            i += length
            continue
        items.append(_token_item(token))
        i += 1
    return items


def _match_phrase(tokens: list[_Token], i: int) -> tuple[_Entry, int] | None:
    """The longest vocabulary phrase starting at token i, as (entry, token count)."""
    for length in range(min(_MAX_PHRASE, len(tokens) - i), 0, -1):
        window = tokens[i : i + length]
        if any(t.kind != "word" for t in window):
            continue
        entry = _LEXICON.get(tuple(t.norm for t in window))
        if entry is None:
            continue
        if entry.standalone and not _stands_alone(tokens, i + length - 1):
            continue
        return entry, length
    return None


def _stands_alone(tokens: list[_Token], i: int) -> bool:
    token = tokens[i]
    if _CJK_CHAR.match(token.norm):
        return token.whole_run
    following = tokens[i + 1] if i + 1 < len(tokens) else None
    return following is None or following.kind in ("stop", "punct", "emoji", "symbol")


def _token_item(token: _Token) -> _Item:
    if token.kind == "emoji":
        entry = _EMOJI[token.norm]
        return _Item(
            _Role.VERDICT, token.start, token.end, entry.verdict, full=entry.full, source="emoji"
        )
    if token.kind == "percent":
        value = float(token.norm.rstrip("%％").strip().replace(",", "."))
        if value >= 100:
            return _Item(_Role.VERDICT, token.start, token.end, DONE, full=True, source="number")
        verdict = NOT_DONE if value <= 0 else PARTLY
        return _Item(_Role.VERDICT, token.start, token.end, verdict, source="number")
    if token.kind == "ratio":
        done, _, planned = token.norm.partition("/")
        n, d = int(done), int(planned)
        if 0 < d <= 100 and n <= d:
            # "3/5" reads like a score, but could be a date: only counts if nothing else does.
            verdict = DONE if n == d else NOT_DONE if n == 0 else PARTLY
            return _Item(_Role.VERDICT, token.start, token.end, verdict, weak=True, source="number")
        return _Item(_Role.OTHER, token.start, token.end)
    role = {"stop": _Role.STOP, "punct": _Role.PUNCT, "symbol": _Role.SYMBOL}.get(
        token.kind, _Role.OTHER
    )
    return _Item(role, token.start, token.end)


def _sentences(items: list[_Item]) -> list[list[_Item]]:
    sentences: list[list[_Item]] = [[]]
    for item in items:
        if item.role is _Role.STOP:
            if sentences[-1]:
                sentences.append([])
        else:
            sentences[-1].append(item)
    return [s for s in sentences if s]


# ---------------------------------------------------------------------------
# From items to a verdict.


@dataclass(frozen=True)
class _Signal:
    verdict: CheckinResult | None  # None marks a contrast ("but")
    strong: bool = True
    source: str = "word"


_CONTRAST = _Signal(None)
_READ_LIMIT = 4000  # characters; the verdict is at the start, long mails need not be read
_MAX_ITEMS_PER_SENTENCE = 30  # a verdict sits near the start; long prose is reflection
_NEGATION_REACH = 4  # "didn't get to finish everything": negator ... "everything"


def _sentence_signals(items: list[_Item]) -> list[_Signal]:
    items = items[:_MAX_ITEMS_PER_SENTENCE]
    signals: list[_Signal] = []
    # A yes/no after the member said other things is less decisive ("I said no to sugar").
    # Other yes/no words do not count: "Yes no" is a contradiction, not a sentence.
    said_something = False
    after_contrast = False  # "..., but not the writing": that "not" is meant
    used: set[int] = set()
    for i, item in enumerate(items):
        if i in used:
            continue
        role = item.role
        if role is _Role.CONTRAST:
            signals.append(_CONTRAST)
            after_contrast = True
            continue
        if item.negates and (target := _negation_target(items, i)) is not None:
            used.add(target)
            if items[target].role is _Role.COMPLETE or items[target].full:
                signals.append(_Signal(PARTLY))
                # "not quite done": the "done" belongs to the same phrase.
                for j in range(target + 1, min(target + 3, len(items))):
                    if items[j].role is _Role.VERDICT and items[j].verdict is DONE:
                        used.add(j)
                        break
            else:
                signals.append(_Signal(NOT_DONE))
            said_something, after_contrast = True, False
            continue
        if role is _Role.INTERJECTION:
            signals.append(_Signal(item.verdict, not said_something, item.source))
        elif role is _Role.VERDICT:
            signals.append(_Signal(item.verdict, not item.weak, item.source))
        elif role is _Role.NEGATOR:
            signals.append(_Signal(NOT_DONE, strong=after_contrast))
        if role in (_Role.VERDICT, _Role.NEGATOR, _Role.COMPLETE, _Role.OTHER):
            said_something, after_contrast = True, False
    return signals


def _negation_target(items: list[_Item], i: int) -> int | None:
    """The item a negator at i applies to: a "done" word or a completeness word."""
    for j in range(i + 1, min(i + 1 + _NEGATION_REACH, len(items))):
        item = items[j]
        if item.role is _Role.COMPLETE or (item.role is _Role.VERDICT and item.full):
            return j
        if item.role is _Role.VERDICT and item.verdict is DONE and item.source == "word":
            return j
        if item.role not in (_Role.OTHER, _Role.FILLER):
            return None
    return None


def _combine(signals: list[_Signal]) -> CheckinResult:
    strong = [s for s in signals if s.verdict is None or s.strong]
    pool = strong if any(s.verdict for s in strong) else signals
    verdicts = {s.verdict for s in pool if s.verdict is not None}
    if not verdicts:
        return UNCLEAR
    if len(verdicts) == 1:
        return verdicts.pop()
    if PARTLY in verdicts:
        return PARTLY
    # Both "done" and "not done" were said.
    if all(s.source == "emoji" for s in pool if s.verdict is not None):
        return PARTLY  # a checklist: ✅✅❌
    if _contrasted(pool):
        return PARTLY  # "did the reading, but not the writing"
    return UNCLEAR


def _contrasted(signals: list[_Signal]) -> bool:
    """Whether a verdict follows a contrast that comes after a different verdict."""
    earlier: set[CheckinResult] = set()
    current: set[CheckinResult] = set()
    for signal in signals:
        if signal.verdict is None:
            earlier |= current
            current = set()
            continue
        if earlier - {signal.verdict}:
            return True
        current.add(signal.verdict)
    return False


def _has_verdict(signals: list[_Signal]) -> bool:
    return any(s.verdict is not None for s in signals)


def _lead(sentence: list[_Item]) -> _Item | None:
    return next((i for i in sentence if i.role not in (_Role.PUNCT, _Role.SYMBOL)), None)


def _scope_signals(sentences: list[list[_Item]]) -> list[_Signal]:
    """Signals of the sentence that carries the verdict, plus the sentences that qualify it."""
    first = None
    for index, sentence in enumerate(sentences[:3]):
        if _has_verdict(_sentence_signals(sentence)):
            first = index
            break
        lead = _lead(sentence)
        # "Hi Anna!" or "No problem!" may come before the answer; prose may not.
        if lead is not None and lead.role not in (_Role.GREETING, _Role.FILLER, _Role.IDIOM):
            break
    if first is None:
        return []
    signals = _sentence_signals(sentences[first])
    checklist = any(s.source == "emoji" for s in signals)
    for sentence in sentences[first + 1 : first + 10]:
        lead = _lead(sentence)
        if lead is None:
            continue
        qualifies = lead.role is _Role.CONTRAST  # "Yes. But only half."
        ticks = checklist and lead.source == "emoji"  # one ✅/❌ line per item
        if not (qualifies or ticks):
            break
        signals.extend(_sentence_signals(sentence))
    return signals


_LEADING_ROLES = frozenset(
    {
        _Role.VERDICT,
        _Role.INTERJECTION,
        _Role.NEGATOR,
        _Role.COMPLETE,
        _Role.IDIOM,
        _Role.FILLER,
        _Role.PUNCT,
        _Role.STOP,
        _Role.SYMBOL,
    }
)


def _reflection(body: str, items: list[_Item], result: CheckinResult, read_all: bool) -> str:
    """The text after a leading verdict, when the opening words were only a verdict."""
    run: list[_Item] = []
    rest: _Item | None = None
    for item in items:
        if item.role not in _LEADING_ROLES:
            rest = item
            break
        run.append(item)
    verdicts = [i for i in run if i.role in (_Role.VERDICT, _Role.INTERJECTION, _Role.NEGATOR)]
    if not verdicts:
        return body
    # What is cut must say on its own what was decided: "Yes, but only half" keeps its "Yes".
    run_signals = [s for sentence in _sentences(run) for s in _sentence_signals(sentence)]
    if _combine(run_signals) is not result:
        return body
    if rest is None:
        return "" if read_all else body  # unread text may follow
    # "Done the report" is a sentence, not a verdict; "Done. The report" and "✅ report" are.
    separated = run[-1].role in (_Role.PUNCT, _Role.STOP, _Role.SYMBOL)
    lone_word = verdicts[-1].role is _Role.INTERJECTION or verdicts[-1].source == "emoji"
    if not (separated or lone_word or run[-1].source == "emoji"):
        return body
    return body[rest.start :].strip()


def classify_checkin(text: str) -> CheckinAnswer:
    """Read a reply to "Did you do it?" (quoted history already removed)."""
    body = text.strip()
    if not body:
        return CheckinAnswer(UNCLEAR, "")
    items = _items(_tokenize(body[:_READ_LIMIT]))
    result = _combine(_scope_signals(_sentences(items)))
    if result is UNCLEAR:
        return CheckinAnswer(UNCLEAR, body)
    return CheckinAnswer(result, _reflection(body, items, result, len(body) <= _READ_LIMIT))


# ---------------------------------------------------------------------------
# Pause requests.

DEFAULT_PAUSE = datetime.timedelta(days=7)
MAX_PAUSE = datetime.timedelta(days=366)


def _alternation(phrases: str) -> str:
    """A regex alternation of folded phrases, longest first so "on holiday" beats "on"."""
    folded = {_fold(" ".join(p.split())) for p in phrases.replace("\n", " ").split("|")}
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
_MONTH_NUMBERS = {_fold(name): n for n, names in _MONTHS.items() for name in names.split()}
_WEEKDAYS = {
    0: "monday mon montag lundi lunes lunedì maandag segunda",
    1: "tuesday tue tues dienstag mardi martes martedì dinsdag terça",
    2: "wednesday wed mittwoch mercredi miércoles mercoledì woensdag quarta",
    3: "thursday thu thur thurs donnerstag jeudi jueves giovedì donderdag quinta",
    4: "friday fri freitag vendredi viernes venerdì vrijdag sexta",
    5: "saturday sat samstag samedi sábado sabato zaterdag",
    6: "sunday sun sonntag dimanche domingo domenica zondag",
}
_WEEKDAY_NUMBERS = {_fold(name): n for n, names in _WEEKDAYS.items() for name in names.split()}
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
_UNITS = {_fold(name): unit for unit, names in _UNIT_NAMES.items() for name in names.split()}
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
    folded = " ".join(_fold(line).split())
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
