// Tests for text_buffer: gap movement in both directions and growth, against a plain string.
#include <gtest/gtest.h>

#include <random>

#include <nlohmann/json.hpp>

#include "text/text_buffer.hpp"
#include "text/utf16.hpp"

using coplan::text::text_buffer;

TEST(TextBuffer, RandomEditsMatchAPlainString) {
  std::mt19937 rng(42);
  text_buffer t;
  std::u16string ref;
  for (int i = 0; i < 20000; ++i) {
    std::size_t pos = ref.empty() ? 0 : rng() % (ref.size() + 1);
    std::size_t del = ref.size() - pos ? rng() % std::min<std::size_t>(4, ref.size() - pos + 1) : 0;
    std::u16string ins(rng() % 5, static_cast<char16_t>(u'a' + rng() % 26));
    t.replace(pos, del, ins);
    ref.replace(pos, del, ins);
    ASSERT_EQ(t.size(), ref.size());
  }
  EXPECT_EQ(t.to_u16(), ref);
  EXPECT_EQ(t.slice(3, 50), ref.substr(3, 47));
  for (std::size_t i = 0; i < ref.size(); i += 97) EXPECT_EQ(t.at(i), ref[i]);
}

// Snapshots write a field's text as JSON straight from the buffer: it must be the very string
// nlohmann writes for the UTF-8 text, whatever the text holds (quotes, backslashes, control
// characters, non-ASCII, surrogate pairs) and wherever the gap is, even inside a pair.
TEST(TextBuffer, AppendJsonIsTheDumpOfTheUtf8Text) {
  std::mt19937 rng(7);
  const std::u16string alphabet = u"ab \"\\\n\t\r\b\f\x01\x1f\x7féü€中";
  text_buffer t;
  std::u16string ref;
  for (int i = 0; i < 5000; ++i) {
    // Positions never fall inside a pair of the reference text.
    std::size_t pos = ref.empty() ? 0 : rng() % (ref.size() + 1);
    while (pos > 0 && pos < ref.size() && coplan::text::is_low_surrogate(ref[pos])) --pos;
    std::size_t del = 0;
    while (pos + del < ref.size() && del < rng() % 3) ++del;
    if (pos + del < ref.size() && coplan::text::is_low_surrogate(ref[pos + del])) ++del;
    std::u16string ins;
    for (std::size_t k = rng() % 4; k > 0; --k) {
      if (rng() % 6 == 0) ins += u"😀";
      else ins += alphabet[rng() % alphabet.size()];
    }
    t.replace(pos, del, ins);
    ref.replace(pos, del, ins);
    // Sometimes leave the gap inside a pair: insert a unit after a high surrogate, then delete it.
    for (std::size_t k = 0; k + 1 < ref.size() && i % 7 == 0; ++k)
      if (coplan::text::is_high_surrogate(ref[k])) {
        t.replace(k + 1, 0, u"z");
        t.replace(k + 1, 1, u"");
        break;
      }
    if (i % 50 == 0) {
      std::string out = "x";
      t.append_json(out);
      ASSERT_EQ(out, "x" + nlohmann::json(coplan::text::utf16_to_utf8(ref)).dump()) << i;
    }
  }
}

// Regression (found by fuzz/unit_commands_fuzz under UBSan): a change inserting nothing into a
// buffer that never held text (a deletion of 0 units, [[0]], pushed to an empty field) called
// memcpy with a null destination, which is undefined behaviour even for 0 bytes.
TEST(TextBuffer, EmptyInsertIntoEmptyBufferDoesNotMemcpyToNull) {
  text_buffer t;
  t.replace(0, 0, u"");
  EXPECT_EQ(t.size(), 0u);
  t.replace(0, 0, u"ab");
  t.replace(0, 2, u"");
  EXPECT_EQ(t.to_u16(), u"");
}
