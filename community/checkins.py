"""Reading check-in replies: the done / partly / not-done verdict, in many languages."""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass

from .models import CheckinStatus


@dataclass(frozen=True)
class CheckinAnswer:
    result: CheckinStatus
    # The member's text minus a leading verdict ("Yes! Ran 3 times." -> "Ran 3 times.");
    # the whole text when it did not open with a plain verdict or the verdict is unclear.
    reflection: str


DONE = CheckinStatus.DONE
PARTLY = CheckinStatus.PARTLY
NOT_DONE = CheckinStatus.NOT_DONE
UNCLEAR = CheckinStatus.UNCLEAR


# ---------------------------------------------------------------------------
# Folding: case-, accent- and apostrophe-insensitive comparison.

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'"})


def fold(text: str) -> str:
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
    verdict: CheckinStatus | None = None
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
        phrase = fold(" ".join(phrase.split()))
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
    verdict: CheckinStatus | None = None
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
            tokens.append(_Token("word", fold(text), m.start(), m.end()))
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
    verdict: CheckinStatus | None  # None marks a contrast ("but")
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


def _combine(signals: list[_Signal]) -> CheckinStatus:
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
    earlier: set[CheckinStatus] = set()
    current: set[CheckinStatus] = set()
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


def _reflection(body: str, items: list[_Item], result: CheckinStatus, read_all: bool) -> str:
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
