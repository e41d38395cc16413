// Tests for text_buffer: gap movement in both directions and growth, against a plain string.
#include <gtest/gtest.h>

#include <random>

#include "text/text_buffer.hpp"

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
