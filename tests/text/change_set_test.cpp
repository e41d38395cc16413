// Tests for change_set: JSON parse/validate, apply to text, compose and map on known cases.
#include <gtest/gtest.h>

#include <random>

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include "support/code_of.hpp"
#include "text/change_set.hpp"
#include "text/coded_error.hpp"
#include "text/text_buffer.hpp"
#include "text/utf16.hpp"

using coplan::coded_error;
using coplan::test_support::code_of;
using coplan::text::change_set;
using coplan::text::text_buffer;
using coplan::text::utf16_to_utf8;
using coplan::text::utf8_to_utf16;
using nlohmann::json;

namespace {

change_set parse(const char* s) { return change_set::from_json(json::parse(s), 1 << 30, 1 << 30); }

std::string apply(const std::string& doc, const char* changes) {
  text_buffer t(utf8_to_utf16(doc));
  auto c = parse(changes);
  t.validate(c);
  t.apply(c);
  return t.to_utf8();
}

}  // namespace

TEST(ChangeSet, ParsesAndWritesCodeMirrorJson) {
  for (const char* s : {R"([5,[0,"hi"],3])", R"([[2],4])", R"([[3,"a","b"]])", R"([])", R"([[0,"x"]])"}) {
    EXPECT_EQ(parse(s).to_json().dump(), json::parse(s).dump()) << s;
  }
  auto c = parse(R"([2,[1,"x","y"],4])");
  EXPECT_EQ(c.length(), 7);
  EXPECT_EQ(c.new_length(), 9);
  EXPECT_EQ(c.inserted_length(), 3);
  EXPECT_EQ(c.deleted_length(), 1);
}

// The reader of client messages (simdjson) and the reader of stored ops (nlohmann) accept the same
// change sets and refuse the same ones with the same codes.
TEST(ChangeSet, SimdjsonAndNlohmannReadersAgree) {
  auto both = [](const std::string& s, std::int64_t max_number, std::int64_t max_insert) {
    simdjson::dom::parser parser;
    simdjson::dom::element e;
    EXPECT_FALSE(parser.parse(s).get(e)) << s;
    std::string a, b, code_a, code_b;
    code_a = code_of([&] { a = change_set::from_json(json::parse(s), max_number, max_insert).to_json_text(); });
    code_b = code_of([&] { b = change_set::from_simdjson(e, max_number, max_insert).to_json_text(); });
    EXPECT_EQ(code_a, code_b) << s;
    EXPECT_EQ(a, b) << s;
  };
  for (const char* s : {R"([5,[0,"hi"],3])", R"([[2],4])", R"([[3,"a","b"]])", R"([])", R"([[0,"x"]])", R"([[0,""]])",
                        R"([[0,"\u0001\"\\/é😀"]])", R"({})", R"("x")", R"([-1])", R"([1.5])", R"([[]])", R"([["a"]])",
                        R"([[1,2]])", R"([null])", R"([[1,"a",3]])", R"([true])", "[1e30]", "[18446744073709551615]",
                        "[9223372036854775807]", R"([[0,"abcdef"]])", "[101]"})
    both(s, 100, 5);
}

// to_json_text() is what is stored and broadcast; it must be exactly to_json().dump().
TEST(ChangeSet, JsonTextIsExactlyTheDumpOfToJson) {
  std::mt19937 rng(7);
  const std::u16string alphabet = u"ab \"\\/\n\t\r\b\f\x01\x1f\x7f\u00e9\u4e2d";
  for (int round = 0; round < 2000; ++round) {
    std::u16string doc;
    for (int i = static_cast<int>(rng() % 20); i > 0; --i) doc += alphabet[rng() % alphabet.size()];
    std::u16string text;
    for (int i = static_cast<int>(rng() % 12); i > 0; --i) {
      if (rng() % 9 == 0) text += u"\U0001F600";
      else text += alphabet[rng() % alphabet.size()];
    }
    auto from = static_cast<std::int64_t>(rng() % (doc.size() + 1));
    auto to = from + static_cast<std::int64_t>(rng() % (doc.size() - from + 1));
    auto c = change_set::replace(static_cast<std::int64_t>(doc.size()), from, to, text);
    ASSERT_EQ(c.to_json_text(), c.to_json().dump());
  }
  EXPECT_EQ(parse(R"([[0,"a\u0001\"b"],2,[1]])").to_json_text(), R"([[0,"a\u0001\"b"],2,[1]])");
}

TEST(ChangeSet, AppliesAscii) {
  EXPECT_EQ(apply("hello world", R"([5,[0,","],6])"), "hello, world");
  EXPECT_EQ(apply("hello world", R"([[6],5])"), "world");
  EXPECT_EQ(apply("abc", R"([[3,"x","y"]])"), "x\ny");
  EXPECT_EQ(apply("", R"([[0,"new"]])"), "new");
}

TEST(ChangeSet, AppliesAccentsAndEmojiInUtf16Units) {
  // "é" is one UTF-16 unit; "😀" is two (a surrogate pair).
  EXPECT_EQ(apply("café", R"([3,[1,"e"]])"), "cafe");
  EXPECT_EQ(apply("a😀b", R"([1,[2],1])"), "ab");
  EXPECT_EQ(apply("a😀b", R"([3,[0,"😀"],1])"), "a😀😀b");
  EXPECT_EQ(utf8_to_utf16("😀").size(), 2u);
}

TEST(ChangeSet, EmptyChangesLeaveText) {
  EXPECT_EQ(apply("same", "[4]"), "same");
  EXPECT_EQ(apply("", "[]"), "");
  EXPECT_TRUE(parse("[4]").empty());
}

TEST(ChangeSet, RejectsWrongLengths) {
  EXPECT_EQ(code_of([] { apply("abc", "[4]"); }), "length_mismatch");
  EXPECT_EQ(code_of([] { apply("abc", "[2]"); }), "length_mismatch");
  EXPECT_EQ(code_of([] { apply("abc", R"([[4,"x"]])"); }), "length_mismatch");
}

TEST(ChangeSet, RejectsSplittingASurrogatePair) {
  EXPECT_EQ(code_of([] { apply("a😀b", R"([2,[0,"x"],2])"); }), "split_surrogate");
  EXPECT_EQ(code_of([] { apply("a😀b", R"([2,[1],1])"); }), "split_surrogate");
  EXPECT_EQ(code_of([] { apply("😀", R"([[1],1])"); }), "split_surrogate");
}

TEST(ChangeSet, RejectsMalformedJson) {
  for (const char* s : {R"({})", R"("x")", R"([-1])", R"([1.5])", R"([[]])", R"([["a"]])", R"([[1,2]])",
                        R"([null])", R"([[1,"a",3]])", R"([true])"}) {
    EXPECT_EQ(code_of([&] { parse(s); }), "bad_changes") << s;
  }
  EXPECT_EQ(code_of([] { parse("[1e30]"); }), "bad_changes");
  EXPECT_EQ(code_of([] { parse("[18446744073709551615]"); }), "too_large");
  EXPECT_EQ(code_of([] { change_set::from_json(json::parse(R"([[0,"abcdef"]])"), 100, 5); }), "too_large");
}

TEST(ChangeSet, RejectsInvalidUtf8AndLoneSurrogates) {
  EXPECT_EQ(code_of([] { utf8_to_utf16("\xff"); }), "bad_unicode");
  EXPECT_EQ(code_of([] { utf8_to_utf16("\xed\xa0\x80"); }), "bad_unicode");  // encoded surrogate
  EXPECT_EQ(code_of([] { utf8_to_utf16("\xc0\x80"); }), "bad_unicode");      // overlong
  EXPECT_EQ(code_of([] { utf16_to_utf8(std::u16string(1, char16_t(0xD800))); }), "bad_unicode");
}

TEST(ChangeSet, ComposeMatchesSequentialApply) {
  auto a = parse(R"([5,[0,","],6])");      // "hello world" -> "hello, world"
  auto b = parse(R"([[7],5,[0,"!"]])");    // -> "world!"
  auto ab = a.compose(b);
  text_buffer t(u"hello world");
  t.apply(ab);
  EXPECT_EQ(t.to_utf8(), "world!");
  EXPECT_EQ(ab.length(), 11);
}

TEST(ChangeSet, MapOrdersConcurrentInsertsLikeCodeMirror) {
  // Two inserts at the same position: the mapped one goes after unless `before`.
  auto a = parse(R"([2,[0,"A"],2])");
  auto b = parse(R"([2,[0,"B"],2])");
  text_buffer t1(u"abcd");
  t1.apply(b);
  t1.apply(a.map(b));
  EXPECT_EQ(t1.to_utf8(), "abBAcd");
  text_buffer t2(u"abcd");
  t2.apply(b);
  t2.apply(a.map(b, true));
  EXPECT_EQ(t2.to_utf8(), "abABcd");
  // A deletion covering the other's insert position removes around it.
  auto del = parse(R"([1,[2],1])");
  text_buffer t3(u"abcd");
  t3.apply(a);
  t3.apply(del.map(a));
  EXPECT_EQ(t3.to_utf8(), "aAd");
}

TEST(ChangeSet, BetweenReplacesOnlyTheDifferenceAndKeepsPairsWhole) {
  auto check = [](const std::u16string& a, const std::u16string& b) {
    auto c = change_set::between(a, b);
    text_buffer t(a);
    t.validate(c);
    t.apply(c);
    EXPECT_EQ(t.to_u16(), b);
    return c;
  };
  auto c = check(u"the quick fox", u"the slow fox");
  EXPECT_EQ(c.deleted_length(), 5);  // "quick" only
  EXPECT_EQ(c.inserted_length(), 4);
  check(u"", u"new");
  check(u"old", u"");
  check(u"same", u"same");
  check(u"a😀b", u"a😃b");  // same high surrogate: the pair is replaced whole
  EXPECT_EQ(change_set::between(u"a😀b", u"a😃b").deleted_length(), 2);
  check(u"x😀", u"x😀😀");
}

// Regression (found by fuzz/change_set_fuzz, a timeout): mapping a change set over one of a
// different length looped forever (mapSet's `while (len)` never advanced once `a` ran out), as
// @codemirror/state 6.7 does too. It now refuses with length_mismatch.
TEST(ChangeSet, MapOverADifferentLengthThrowsInsteadOfLoopingForever) {
  EXPECT_EQ(code_of([] { parse(R"([[1,"ne`w"]])").map(parse(R"([[3]])")); }), "length_mismatch");
  EXPECT_EQ(code_of([] { parse(R"([[3]])").map(parse(R"([[1,"ne`w"]])"), true); }), "length_mismatch");
  // Mapping over an empty change set still returns the set unchanged, as in CodeMirror.
  EXPECT_EQ(parse(R"([[1,"x"]])").map(parse("[3]")), parse(R"([[1,"x"]])"));
}
