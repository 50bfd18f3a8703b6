"""Reading search queries: words, phrases and from: filters; nothing a person types is
query syntax for either database."""

from community.search import SearchQuery, fts5_match, parse_query, split_marks, words_of


def test_words_phrases_and_authors():
    q = parse_query('Timer "the TRICK works" from:Carol from:"dee c" again')
    assert q.words == ("timer", "again")
    assert q.phrases == (("the", "trick", "works"),)
    assert q.authors == ("carol", "dee c")


def test_a_quoted_single_word_is_a_word_and_repeats_count_once():
    assert parse_query('"timer" timer TIMER') == SearchQuery(words=("timer",))


def test_punctuation_is_not_a_word():
    assert parse_query('*** -- ,,, ""').is_empty
    assert words_of("don't stop_now e-mail") == ["don", "t", "stop", "now", "e", "mail"]


def test_fts5_expression_quotes_everything():
    q = parse_query('NEAR(a OR b) "x y"')
    assert fts5_match(q) == '"near" "a" "or" "b" "x y"'


def test_overlong_queries_are_cut_not_refused():
    q = parse_query("word " * 500)
    assert q.words == ("word",)


def test_marks_become_segments():
    segs = split_marks("a \x02b\x03 c \x02d\x03")
    assert [(s.text, s.marked) for s in segs] == [
        ("a ", False),
        ("b", True),
        (" c ", False),
        ("d", True),
    ]
