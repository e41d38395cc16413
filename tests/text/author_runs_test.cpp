// Tests for author_runs: inserts, deletes and replaces across authors, checked against a
// per-character author array.
#include <gtest/gtest.h>

#include <random>

#include "text/author_runs.hpp"
#include "text/change_set.hpp"

using coplan::text::author_run;
using coplan::text::author_runs;
using coplan::text::change_set;

namespace {
std::vector<std::uint32_t> expand(const author_runs& r) {
  std::vector<std::uint32_t> out;
  for (const auto& run : r.runs()) out.insert(out.end(), run.length, run.author);
  return out;
}
}  // namespace

TEST(AuthorRuns, InsertDeleteReplace) {
  author_runs r;
  r.apply(change_set::replace(0, 0, 0, u"hello"), 1);
  EXPECT_EQ(r.runs(), (std::vector<author_run>{{5, 1}}));
  r.apply(change_set::replace(5, 2, 2, u"XY"), 2);  // he|XY|llo
  EXPECT_EQ(r.runs(), (std::vector<author_run>{{2, 1}, {2, 2}, {3, 1}}));
  r.apply(change_set::replace(7, 1, 5, u""), 3);  // delete "eXYl" -> h|lo
  EXPECT_EQ(r.runs(), (std::vector<author_run>{{3, 1}}));
  r.apply(change_set::replace(3, 0, 3, u"abc"), 2);  // replace all
  EXPECT_EQ(r.runs(), (std::vector<author_run>{{3, 2}}));
  r.apply(change_set::replace(3, 3, 3, u"z"), 2);  // append by same author merges
  EXPECT_EQ(r.runs(), (std::vector<author_run>{{4, 2}}));
  EXPECT_EQ(r.length_by(2), 4u);
  EXPECT_EQ(r.length_by(1), 0u);
}

TEST(AuthorRuns, RandomEditsMatchPerCharacterAuthors) {
  std::mt19937 rng(7);
  author_runs r;
  std::vector<std::uint32_t> ref;
  for (int i = 0; i < 20000; ++i) {
    auto len = static_cast<std::int64_t>(ref.size());
    std::int64_t from = len ? rng() % (len + 1) : 0;
    std::int64_t to = from + (len - from ? rng() % std::min<std::int64_t>(6, len - from + 1) : 0);
    std::u16string ins(rng() % 4, u'x');
    std::uint32_t author = 1 + rng() % 3;
    r.apply(change_set::replace(len, from, to, ins), author);
    ref.erase(ref.begin() + from, ref.begin() + to);
    ref.insert(ref.begin() + from, ins.size(), author);
    ASSERT_EQ(expand(r), ref) << "step " << i;
    for (std::size_t k = 1; k < r.runs().size(); ++k) ASSERT_NE(r.runs()[k - 1].author, r.runs()[k].author);
  }
}
