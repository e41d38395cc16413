// Op digests (store/op_digest): every op's id, time, author and kind round-trip, payloads are kept
// exactly for the commands that may change the phase, and damaged bytes are refused.
#include <gtest/gtest.h>

#include <random>

#include "store/op_digest.hpp"

using coplan::store::op_digest;

TEST(OpDigest, RoundTripsIdsTimesAuthorsKindsAndThePhaseCommands) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 50; ++round) {
    op_digest d;
    std::vector<op_digest::entry> expected;
    std::int64_t id = 0;
    auto n = 1 + rng() % 300;
    for (std::size_t i = 0; i < n; ++i) {
      // Gaps from 1 to huge (other units' ops between), times jumping both ways (clocks set back).
      id += 1 + static_cast<std::int64_t>(rng() % (i % 7 == 0 ? 1'000'000'000'000ull : 3));
      auto time = static_cast<std::int64_t>(rng() % 4'000'000'000'000ull) - 1'000'000'000'000;
      auto author = static_cast<std::uint32_t>(i % 5 == 0 ? UINT32_MAX - rng() % 3 : rng() % 40);
      int kind = static_cast<int>(rng() % 2);
      std::string payload = rng() % 3 == 0 ? R"({"op":"set","block":"unit","field":"phase","value":"teach"})"
                                           : R"([3,[0,"x"]])";
      d.append(id, time, author, kind, payload);
      expected.push_back({id, time, author, kind, op_digest::keeps_payload(kind, payload) ? payload : ""});
    }
    ASSERT_EQ(d.size(), n);
    EXPECT_EQ(d.first_id(), expected.front().id);
    EXPECT_EQ(d.last_id(), expected.back().id);
    EXPECT_EQ(op_digest::decode(d.bytes(), d.size()), expected);
  }
  // Extreme times round-trip too.
  op_digest d;
  d.append(1, INT64_MIN, 0, 0, "");
  d.append(2, INT64_MAX, 0, 0, "");
  auto e = op_digest::decode(d.bytes(), 2);
  EXPECT_EQ(e[0].time, INT64_MIN);
  EXPECT_EQ(e[1].time, INT64_MAX);
}

TEST(OpDigest, KeepsThePayloadOnlyOfStructureCommandsThatMentionThePhase) {
  EXPECT_TRUE(op_digest::keeps_payload(1, R"({"op":"set","block":"unit","field":"phase","value":"reflect"})"));
  EXPECT_FALSE(op_digest::keeps_payload(1, R"({"op":"set","block":"unit","field":"title","value":"Creeks"})"));
  EXPECT_FALSE(op_digest::keeps_payload(0, R"([0,"\"phase\""])"));
}

TEST(OpDigest, RefusesDamagedBytesAndWrongCounts) {
  op_digest d;
  d.append(10, 1000, 1, 0, "");
  d.append(12, 990, 2, 1, R"({"op":"set","block":"unit","field":"phase","value":"teach"})");
  d.append(13'000'000, 5000, 300, 0, "");
  const auto& b = d.bytes();
  ASSERT_NO_THROW(op_digest::decode(b, 3));
  for (std::size_t cut = 0; cut < b.size(); ++cut)
    EXPECT_THROW(op_digest::decode(std::string_view(b).substr(0, cut), 3), std::runtime_error) << cut;
  EXPECT_THROW(op_digest::decode(b + "\x01", 3), std::runtime_error);  // bytes after the last op
  EXPECT_THROW(op_digest::decode(b, 2), std::runtime_error);
  EXPECT_THROW(op_digest::decode(b, 4), std::runtime_error);
  EXPECT_THROW(op_digest::decode(b, SIZE_MAX), std::runtime_error);  // refused before reserving
  EXPECT_THROW(op_digest::decode(std::string("\x00\x00\x00", 3), 1), std::runtime_error);  // id not increasing
  EXPECT_THROW(op_digest::decode(std::string(12, '\xff'), 1), std::runtime_error);         // varint too long
  EXPECT_EQ(op_digest::decode("", 0).size(), 0u);
  // Appending refuses ids that do not increase.
  EXPECT_THROW(d.append(13'000'000, 0, 0, 0, ""), std::logic_error);
  op_digest empty;
  EXPECT_THROW(empty.append(0, 0, 0, 0, ""), std::logic_error);
}
