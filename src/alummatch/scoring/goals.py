"""Goals criterion: tag coverage blended with text similarity of ``about``.

*Coverage* is the share of the mentee's goals that the mentor can help with,
a multi-hot matrix product. *Text similarity* is the cosine similarity of the
TF-IDF vectors of the two ``about`` texts, fitted on the cohort's texts (both
sides) with scikit-learn. The score blends them,

    ((1 - text_weight) * coverage + text_weight * text) / (sum of used weights)

where coverage is used when the mentee listed goals and text similarity when
both texts are non-empty; a pair with neither scores 0.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Self

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from alummatch.scoring.base import IndexArray

if TYPE_CHECKING:
    from alummatch.profiles import Cohort

__all__ = ["GoalsCriterion"]

_DENSE_TEXT_BYTES = 256 * 2**20


# word characters as scikit-learn's default token pattern, \b\w\w+\b, reads
# them (str.isalnum or "_"); every other ASCII character splits
_ASCII_SPLIT = {
    c: " " for c in range(128) if not (chr(c).isalnum() or chr(c) in "_\x00")
}
_WORDS = re.compile(r"\w\w+|\x00")  # the same tokens on any text, slower


def _words(joined: str) -> list[str]:
    """The runs of word characters of a text, and its ``\\x00`` separators.

    Runs of one character are kept on ASCII text (callers drop them).
    """
    if joined.isascii():
        return joined.translate(_ASCII_SPLIT).split()
    # a run of word characters is one match: ``\\b`` is implied
    return _WORDS.findall(joined)


_TEXTS_AT_ONCE = 2048


def term_counts(
    texts: Sequence[str], stop_words: frozenset[str]
) -> tuple[sp.csr_array, list[str]] | None:
    """Term counts of texts, as ``CountVectorizer(stop_words=...)`` gives them.

    The same matrix, entry for entry and in the same stored order (float32
    counts; columns in alphabetical order of the terms; within a row, terms
    in order of their first use in the texts), and the same vocabulary.
    Texts are joined, lower-cased and split a few thousand at a time, and
    tokens are counted with numpy, instead of a regular expression and a
    Python loop a text. ``None`` when a text holds the separator
    (``\\x00``); callers then use scikit-learn.

    Raises
    ------
    ValueError
        When no term is left (as scikit-learn: only stop words).
    """
    ids: dict[str, int] = {"\x00": 0}  # every token, in order of first use
    docs, uses = [], []
    for at in range(0, len(texts), _TEXTS_AT_ONCE):
        chunk = texts[at : at + _TEXTS_AT_ONCE]
        joined = " \x00 ".join([*chunk, ""])  # a separator after each text
        if joined.count("\x00") != len(chunk):
            return None
        tokens = _words(joined.lower())
        for t in dict.fromkeys(tokens):
            ids.setdefault(t, len(ids))
        code = np.fromiter(map(ids.__getitem__, tokens), np.int32, len(tokens))
        sep = code == 0
        docs.append((np.cumsum(sep) + at)[~sep])  # separators before a token
        uses.append(code[~sep])
    # one character is no term
    seen = [t for t in ids if len(t) > 1 and t not in stop_words]
    if not seen:
        raise ValueError("empty vocabulary; the texts only contain stop words")
    term = np.full(len(ids), -1, dtype=np.int64)
    term[[ids[t] for t in seen]] = np.arange(len(seen))
    used = term[np.concatenate(uses)] if uses else np.zeros(0, np.int64)
    keep = used >= 0
    doc = np.concatenate(docs)[keep] if docs else np.zeros(0, np.int64)
    # (text, term) pairs sorted by text, then by the term's first use
    pairs, counts = np.unique(doc * len(seen) + used[keep], return_counts=True)
    rows, first = np.divmod(pairs, len(seen))
    alpha = np.empty(len(seen), dtype=np.int32)
    alpha[np.argsort(np.array(seen, dtype=object), kind="stable")] = np.arange(
        len(seen), dtype=np.int32
    )
    indptr = np.zeros(len(texts) + 1, dtype=np.int32)
    np.cumsum(np.bincount(rows, minlength=len(texts)), out=indptr[1:])
    matrix = sp.csr_array(
        (counts.astype(np.float32), alpha[first], indptr),
        shape=(len(texts), len(seen)),
        copy=False,
    )
    return matrix, sorted(seen)


def _pair_dots(
    rows: sp.csr_array, i: IndexArray, cols_t: NDArray[Any], j: IndexArray
) -> NDArray[np.float64]:
    """``rows[i[p]] . cols_t[:, j[p]]`` for each pair ``p``, without sparse slicing.

    The entries of the pairs' rows are gathered from the CSR arrays and
    multiplied by the matching entries of the dense columns; one pair costs
    its row's entries, not a sparse matrix built for it.
    """
    i = np.asarray(i, dtype=np.intp)
    j = np.asarray(j, dtype=np.intp)
    indptr = rows.indptr
    lens = (indptr[i + 1] - indptr[i]).astype(np.intp)
    total = int(lens.sum())
    pair = np.repeat(np.arange(i.size), lens)
    at = np.repeat(indptr[i] - np.cumsum(lens) + lens, lens) + np.arange(total)
    v = rows.data[at].astype(np.float64) * cols_t[rows.indices[at], j[pair]]
    return np.asarray(np.bincount(pair, weights=v, minlength=i.size), dtype=np.float64)


class GoalsCriterion:
    """Share of the mentee's goals the mentor covers, blended with text similarity.

    A pair where either side gave neither goals nor an ``about`` text, or that
    has nothing to compare, has no score (NaN: the criterion abstains).

    Parameters
    ----------
    text_weight : float in [0, 1]
        Weight of the ``about`` text similarity in the blend (0 turns it off).
    max_features : int, optional
        Vocabulary cap of the TF-IDF vectoriser.

    Attributes
    ----------
    terms_ : list of str
        The about texts' vocabulary, sorted, as scikit-learn's
        ``CountVectorizer(stop_words="english")`` reads it (set when the
        texts have any term); the TF-IDF weights of the shared terms are
        ``text_tee_`` and ``text_tor_``.

    Examples
    --------
    >>> GoalsCriterion(text_weight=0.0).text_weight
    0.0
    """

    name: str = "goals"

    def __init__(self, *, text_weight: float = 0.3, max_features: int | None = None):
        self.text_weight = text_weight
        self.max_features = max_features

    def fit(self, cohort: Cohort) -> Self:
        """Build the goal matrices and fit TF-IDF on every ``about`` text."""
        tw = float(self.text_weight)
        if not 0.0 <= tw <= 1.0:
            raise ValueError(f"text_weight must be in [0, 1], got {self.text_weight!r}")
        g_tee, g_tor, vocab = cohort.multi_hot("goals")
        self.vocab_ = vocab
        self.goals_tee_ = g_tee
        self.goals_tor_ = g_tor
        count = np.asarray(g_tee.sum(axis=1)).ravel().astype(np.float32)
        self.has_goals_ = count > 0
        self.inv_count_ = np.where(count > 0, 1.0 / np.maximum(count, 1), 0).astype(
            np.float32
        )
        self.goals_tor_dense_t_ = np.ascontiguousarray(g_tor.toarray().T)
        self.text_ = False
        if tw > 0:
            self._fit_text(cohort)
        self.cov_w_ = np.where(self.has_goals_, 1.0 - tw, 0.0).astype(np.float32)
        # neither goals nor about text given: abstain
        has_goals_tor = np.asarray(g_tor.sum(axis=1)).ravel() > 0
        text_tee = self.has_text_tee_ if self.text_ else False
        text_tor = self.has_text_tor_ if self.text_ else False
        self.none_tee_ = np.asarray(~self.has_goals_ & ~text_tee, dtype=np.bool_)
        self.none_tor_ = np.asarray(~has_goals_tor & ~text_tor, dtype=np.bool_)
        self.abstain_tor_ = np.nonzero(self.none_tor_)[0]
        # a mentee's smallest blend weight over mentors; 0 leaves nothing to blend
        least = self.cov_w_.copy()
        if self.text_ and self.all_tor_text_:
            least += np.float32(tw) * self.has_text_tee_
        self.abstains_ = bool(
            self.none_tee_.any() or self.none_tor_.any() or (least <= 0).any()
        )
        self._fit_blend(tw)
        return self

    def _fit_blend(self, tw: float) -> None:
        """Goals and text as one weighted sparse product, when rows normalise.

        When every mentor has text (or text is off) a pair's blend weight is
        the mentee's alone, so coverage and text similarity are one product of
        the mentees' scaled goal and term rows with the mentors' stacked
        columns: one sparse-times-dense pass a block.
        """
        self.blend_: tuple[sp.csr_array, NDArray[np.float32]] | None = None
        if self.text_ and not (
            self.all_tor_text_ and isinstance(self.text_tor_t_, np.ndarray)
        ):
            return
        den = self.cov_w_.copy()
        if self.text_:
            den += np.float32(tw) * self.has_text_tee_
        row = np.divide(1.0, den, out=np.zeros_like(den), where=den > 0)
        goals = _scale_rows(
            sp.csr_array(self.goals_tee_, dtype=np.float32),
            self.cov_w_ * self.inv_count_ * row,
        )
        if self.text_:
            text = _scale_rows(self.text_tee_, np.float32(tw) * row)
            x = sp.csr_array(sp.hstack([goals, text], format="csr"))
            y = np.concatenate([self.goals_tor_dense_t_, self.text_tor_t_])
        else:
            x, y = goals, self.goals_tor_dense_t_
        self.blend_ = (x, np.ascontiguousarray(y, dtype=np.float32))
        self.no_weight_tee_ = den <= 0

    def _abstain(self, out: NDArray[np.float32], idx: IndexArray) -> None:
        out[self.none_tee_[idx]] = np.nan
        if self.abstain_tor_.size:
            out[:, self.abstain_tor_] = np.nan

    def _fit_text(self, cohort: Cohort) -> None:
        texts_tee = [str(t) for t in cohort.values("mentees", "about")]
        texts_tor = [str(t) for t in cohort.values("mentors", "about")]
        if not any(t.strip() for t in texts_tee) or not any(
            t.strip() for t in texts_tor
        ):
            return
        from sklearn.feature_extraction.text import (
            ENGLISH_STOP_WORDS,
            CountVectorizer,
            TfidfTransformer,
        )

        texts = [*texts_tee, *texts_tor]
        tfidf = TfidfTransformer(sublinear_tf=True)
        # identical texts are tokenised once (counts of a text are the same
        # wherever it appears); a vocabulary cap ranks terms over all texts
        distinct: dict[str, int] = {}
        row = np.fromiter(
            (distinct.setdefault(t, len(distinct)) for t in texts),
            dtype=np.intp,
            count=len(texts),
        )
        try:
            got = None
            if self.max_features is None:
                got = term_counts(list(distinct), ENGLISH_STOP_WORDS)
            if got is not None:
                counts, self.terms_ = got
                counts = counts[row]
            else:
                vec = CountVectorizer(
                    stop_words="english",
                    max_features=self.max_features,
                    dtype=np.float32,
                )
                counts = vec.fit_transform(texts)
                self.terms_ = list(vec.get_feature_names_out())
        except ValueError:  # only stop words: no vocabulary
            return
        x = sp.csr_array(tfidf.fit_transform(counts))
        n = cohort.n_mentees
        x_tee, x_tor = x[:n], x[n:]
        # terms used on one side only add nothing to any cross product
        shared = np.nonzero(
            (np.diff(x_tee.tocsc().indptr) > 0) & (np.diff(x_tor.tocsc().indptr) > 0)
        )[0]
        self.has_text_tee_ = np.diff(x_tee.indptr) > 0
        self.has_text_tor_ = np.diff(x_tor.indptr) > 0
        if not self.has_text_tee_.any() or not self.has_text_tor_.any():
            return
        self.tfidf_ = tfidf
        self.text_tee_ = sp.csr_array(x_tee[:, shared])
        self.text_tor_ = sp.csr_array(x_tor[:, shared])
        self.text_tor_t_: Any
        if shared.size * cohort.n_mentors * 4 <= _DENSE_TEXT_BYTES:
            self.text_tor_t_ = np.ascontiguousarray(self.text_tor_.toarray().T)
        else:
            self.text_tor_t_ = sp.csc_array(self.text_tor_.T)
        self.all_tor_text_ = bool(self.has_text_tor_.all())
        self.text_ = True

    def score(self, mentee_idx: IndexArray) -> NDArray[np.float32]:
        """Scores of the given mentees against every mentor."""
        idx = np.asarray(mentee_idx, dtype=np.intp)
        if self.blend_ is not None:
            x, y = self.blend_
            out: NDArray[np.float32] = _product(x[idx], y)
            if self.abstains_:
                out[self.no_weight_tee_[idx]] = np.nan
                self._abstain(out, idx)
            return out
        tw = np.float32(self.text_weight)
        cov_w = self.cov_w_[idx]
        if not self.text_:
            den = cov_w
        elif self.all_tor_text_:
            den = cov_w + tw * self.has_text_tee_[idx]
        else:
            den = None
        if den is not None:
            row = np.divide(1.0, den, out=np.zeros_like(den), where=den > 0)
            a = self.goals_tee_[idx].toarray()
            a *= (cov_w * self.inv_count_[idx] * row)[:, None]
            out = a @ self.goals_tor_dense_t_
            if self.text_:
                out += _product(
                    _scale_rows(self.text_tee_[idx], tw * row), self.text_tor_t_
                )
            out[den <= 0] = np.nan
            self._abstain(out, idx)
            return out
        a = self.goals_tee_[idx].toarray()
        a *= (cov_w * self.inv_count_[idx])[:, None]
        out = a @ self.goals_tor_dense_t_
        out += _product(
            _scale_rows(self.text_tee_[idx], np.full(idx.size, tw)), self.text_tor_t_
        )
        den2 = (
            cov_w[:, None]
            + (tw * self.has_text_tee_[idx])[:, None] * (self.has_text_tor_[None, :])
        )
        np.divide(out, den2, out=out, where=den2 > 0)
        out[den2 <= 0] = np.nan
        self._abstain(out, idx)
        return out

    def factors(self) -> tuple[sp.csr_array, NDArray[np.float32]] | None:
        """The blend as one product: scaled goal and term rows, mentors' columns.

        ``None`` when the blend does not normalise by rows (some mentors
        without text) or the criterion abstains on the cohort.
        """
        if self.blend_ is None or self.abstains_:
            return None
        return self.blend_

    def _parts(
        self, i: IndexArray, j: IndexArray
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """Coverage, text similarity and blended score of pairs."""
        shared = _pair_dots(self.goals_tee_, i, self.goals_tor_dense_t_, j)
        cov = shared * self.inv_count_[i]
        wc = self.cov_w_[i].astype(np.float64)
        if self.text_:
            if isinstance(self.text_tor_t_, np.ndarray):
                cos = _pair_dots(self.text_tee_, i, self.text_tor_t_, j)
            else:
                cos = np.asarray(
                    self.text_tee_[i].multiply(self.text_tor_[j]).sum(axis=1)
                ).ravel()
            wt = float(self.text_weight) * (
                self.has_text_tee_[i] & self.has_text_tor_[j]
            )
        else:
            cos = np.zeros(len(i))
            wt = np.zeros(len(i))
        den = wc + wt
        num = wc * cov + wt * cos
        blended = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
        blended = np.clip(blended, 0, 1)
        blended[(den <= 0) | self.none_tee_[i] | self.none_tor_[j]] = np.nan
        return cov.astype(np.float64), cos.astype(np.float64), blended

    def score_pairs(
        self, mentee_idx: IndexArray, mentor_idx: IndexArray
    ) -> NDArray[np.float64]:
        """Scores of the pairs ``(mentee_idx[k], mentor_idx[k])``."""
        i = np.asarray(mentee_idx, dtype=np.intp)
        j = np.asarray(mentor_idx, dtype=np.intp)
        return self._parts(i, j)[2]

    def explain(self, mentee: int, mentor: int) -> str:
        """Shared and uncovered goals, and the text similarity."""
        i = np.array([mentee], dtype=np.intp)
        j = np.array([mentor], dtype=np.intp)
        _, cos, _ = self._parts(i, j)
        g_tee, g_tor = self.goals_tee_, self.goals_tor_
        tee_terms = g_tee.indices[g_tee.indptr[mentee] : g_tee.indptr[mentee + 1]]
        tor_terms = g_tor.indices[g_tor.indptr[mentor] : g_tor.indptr[mentor + 1]]
        want = {self.vocab_[k] for k in tee_terms}
        can = {self.vocab_[k] for k in tor_terms}
        shared, missing = sorted(want & can), sorted(want - can)
        if want:
            text = f"mentor covers {len(shared)} of the mentee's {len(want)} goals"
            text += f" ({', '.join(shared)})" if shared else ""
            text += f"; not covered: {', '.join(missing)}" if missing else ""
        else:
            text = "the mentee listed no goals"
        if self.text_:
            if self.has_text_tee_[mentee] and self.has_text_tor_[mentor]:
                text += f"; about-text similarity {float(cos[0]):.2f}"
            else:
                text += "; no about text to compare"
        return text

    def __repr__(self) -> str:
        return f"GoalsCriterion(text_weight={self.text_weight!r})"


def _product(a: Any, b: Any) -> NDArray[np.float32]:
    out = a @ b
    if sp.issparse(out):
        out = out.toarray()
    return np.asarray(out, dtype=np.float32)


def _scale_rows(x: sp.csr_array, factor: NDArray[np.float32]) -> sp.csr_array:
    out = x.copy()
    out.data *= np.repeat(factor.astype(np.float32), np.diff(out.indptr))
    return out
