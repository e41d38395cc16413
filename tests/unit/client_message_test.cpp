// Tests for parse_client_message: every message type, and malformed input with its error code.
#include <gtest/gtest.h>

#include "text/coded_error.hpp"
#include "unit/client_message.hpp"

using namespace coplan;
using namespace coplan::unit;

namespace {
std::string code_of(const std::string& text) {
  try {
    parse_client_message(text, unit_limits{});
  } catch (const coded_error& e) {
    return e.code();
  }
  return "";
}
}  // namespace

TEST(ClientMessage, ParsesEachType) {
  auto m = parse_client_message(
      R"({"type":"push","stream":"unit.goals","version":3,"updates":[{"clientID":"x","seq":4,"changes":[2,[0,"hi"]]}]})",
      {});
  auto& p = std::get<coplan::unit::push_msg>(m);
  EXPECT_EQ(p.stream, "unit.goals");
  EXPECT_EQ(p.version, 3u);
  ASSERT_EQ(p.updates.size(), 1u);
  EXPECT_EQ(p.updates[0].seq, 4u);
  EXPECT_EQ(p.updates[0].changes_json, R"([2,[0,"hi"]])");
  EXPECT_TRUE(std::holds_alternative<hello_msg>(parse_client_message(R"({"type":"hello","clientID":"x","streams":{"a":1}})", {})));
  EXPECT_FALSE(std::get<hello_msg>(parse_client_message(R"({"type":"hello","clientID":"x"})", {})).batch);
  EXPECT_TRUE(std::get<hello_msg>(parse_client_message(R"({"type":"hello","clientID":"x","batch":true})", {})).batch);
  EXPECT_TRUE(std::holds_alternative<command_msg>(
      parse_client_message(R"({"type":"cmd","clientID":"x","seq":1,"cmd":{"op":"remove_block","id":"abcdef"}})", {})));
  EXPECT_TRUE(std::holds_alternative<presence_msg>(parse_client_message(R"({"type":"presence","stream":null})", {})));
  EXPECT_TRUE(std::holds_alternative<ping_msg>(parse_client_message(R"({"type":"ping"})", {})));
}

TEST(ClientMessage, MalformedInputCorpus) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"", "bad_json"},
      {"{", "bad_json"},
      {R"({"type":"push",)", "bad_json"},
      {"\"push\"", "bad_message"},
      {"null", "bad_message"},
      {R"({"type":5})", "bad_message"},
      {R"({"type":"nope"})", "unknown_type"},
      {R"({"type":"push","stream":1,"version":0,"updates":[]})", "bad_message"},
      {R"({"type":"push","stream":"s","version":-1,"updates":[{"clientID":"x","changes":[]}]})", "bad_message"},
      {R"({"type":"push","stream":"s","version":1.5,"updates":[{"clientID":"x","changes":[]}]})", "bad_message"},
      {R"({"type":"push","stream":"s","version":99999999999999999999,"updates":[]})", "bad_message"},
      {R"({"type":"push","stream":"s","version":0,"updates":{}})", "bad_message"},
      {R"({"type":"push","stream":"s","version":0,"updates":[]})", "bad_message"},
      {R"({"type":"push","stream":"s","version":0,"updates":[5]})", "bad_message"},
      {R"({"type":"push","stream":"s","version":0,"updates":[{"changes":[]}]})", "bad_message"},
      {R"({"type":"push","stream":"s","version":0,"updates":[{"clientID":"","changes":[]}]})", "bad_message"},
      {R"({"type":"push","stream":"s","version":0,"updates":[{"clientID":"x y","changes":[]}]})", "bad_message"},
      {R"({"type":"push","stream":"s","version":0,"updates":[{"clientID":"x","changes":"abc"}]})", "bad_changes"},
      {R"({"type":"push","stream":"s","version":0,"updates":[{"clientID":"x","changes":[[1,2]]}]})", "bad_changes"},
      {R"({"type":"push","stream":"s","version":0,"updates":[{"clientID":"x","changes":[[0,"\udc00"]]}]})", "bad_unicode"},
      {"{\"type\":\"ping\",\"x\":\"\xc3\x28\"}", "bad_unicode"},
      {R"({"type":"cmd","clientID":"x","seq":1,"cmd":{"op":"fly"}})", "bad_command"},
      {R"({"type":"cmd","clientID":"x","seq":1,"cmd":[]})", "bad_command"},
      {R"({"type":"cmd","clientID":"x","cmd":{"op":"remove_block","id":"abcdef"}})", "bad_message"},
      {R"({"type":"presence","stream":"s"})", "bad_message"},
      {R"({"type":"hello"})", "bad_message"},
      {R"({"type":"hello","clientID":"x","streams":[]})", "bad_message"},
  };
  for (const auto& [text, code] : cases) EXPECT_EQ(code_of(text), code) << text;
}

TEST(ClientMessage, TooManyUpdatesInOnePush) {
  std::string ups;
  for (int i = 0; i < 1001; ++i) ups += std::string(i ? "," : "") + R"({"clientID":"x","changes":[]})";
  EXPECT_EQ(code_of(R"({"type":"push","stream":"s","version":0,"updates":[)" + ups + "]}"), "too_large");
}

// Regression (found by fuzz/client_message_fuzz): a number too large for a double made nlohmann
// throw json::out_of_range (406) out of parse_client_message instead of a coded_error.
TEST(ClientMessage, NumberOverflowIsBadMessageNotAnUntypedException) {
  EXPECT_EQ(code_of(R"({"type":"ping","x":1e400})"), "bad_message");
  EXPECT_EQ(code_of(R"({"type":"push","stream":"s","version":88e88888,"updates":[]})"), "bad_message");
  EXPECT_EQ(code_of(R"({"type":"cmd","clientID":"x","seq":1,"cmd":{"op":"set","block":"unit","field":"students","value":-1e999}})"),
            "bad_message");
}

// Regression (found with fuzz/client_message_fuzz, on a long input): a command whose "value" nested
// arrays hundreds of thousands deep (1 MiB of brackets, under the WebSocket's message limit) overflowed
// the stack, because command::from_json copies the value and copying recurses once a level.
TEST(ClientMessage, DeeplyNestedValueIsRefusedInsteadOfOverflowingTheStack) {
  const std::size_t n = 500'000;
  std::string deep = R"({"type":"cmd","clientID":"x","seq":1,"cmd":{"op":"set","block":"unit","field":"grade","value":)" +
                     std::string(n, '[') + std::string(n, ']') + "}}";
  EXPECT_EQ(code_of(deep), "bad_message");
  // Brackets inside strings do not count, and every real message is far below the limit.
  EXPECT_EQ(code_of(R"({"type":"ping","x":")" + std::string(100, '[') + R"("})"), "");
  // The message object is one level: 32 levels are allowed, 33 are not (simdjson does not count an
  // empty array innermost, so these hold a number).
  EXPECT_EQ(code_of(R"({"type":"ping","x":)" + std::string(32, '[') + "1" + std::string(32, ']') + "}"), "bad_message");
  EXPECT_EQ(code_of(R"({"type":"ping","x":)" + std::string(31, '[') + "1" + std::string(31, ']') + "}"), "");
  EXPECT_EQ(code_of(R"({"type":"ping","x":)" + std::string(31, '[') + std::string(31, ']') + "}"), "");
}

// Pushes are read with simdjson and their changes stored and broadcast in one canonical form, not
// as the client spaced or escaped them.
TEST(ClientMessage, ChangesAreKeptInCanonicalForm) {
  auto m = parse_client_message(
      "{ \"updates\" : [ {\"changes\": [ 2 , [0, \"\\u0068i\\u00e9\"] ], \"clientID\":\"x\"} ], \"version\":0, "
      "\"stream\":\"s\", \"type\":\"push\" }",
      {});
  const auto& p = std::get<push_msg>(m);
  ASSERT_EQ(p.updates.size(), 1u);
  EXPECT_EQ(p.updates[0].changes_json, "[2,[0,\"hi\u00e9\"]]");
  EXPECT_EQ(p.updates[0].seq, 0u);
}

// What simdjson refuses but nlohmann's parser read (used before simdjson) still means what it
// meant: an integer beyond 64 bits is read as a double (a change set refuses it as a length, a
// ping ignores it, a command gets the unit's answer), a byte order mark or a NUL after the message
// is skipped; 1e400 is out of range; nlohmann still names invalid JSON and Unicode.
TEST(ClientMessage, WhatSimdjsonRefusesIsReadAsNlohmannReadIt) {
  EXPECT_EQ(code_of(R"({"type":"ping","x":123456789012345678901234567890})"), "");
  EXPECT_EQ(code_of(R"({"type":"ping","x":18446744073709551615})"), "");
  EXPECT_EQ(code_of(R"({"type":"push","stream":"s","version":0,"updates":[{"clientID":"x","changes":[99999999999999999999]}]})"),
            "bad_changes");
  EXPECT_EQ(code_of(R"({"type":"push","stream":"s","version":99999999999999999999,"updates":[{"clientID":"x","changes":[]}]})"),
            "bad_message");
  auto cmd = parse_client_message(
      R"({"type":"cmd","clientID":"x","seq":1,"cmd":{"op":"set","block":"unit","field":"grade","value":100000000000000000000}})", {});
  EXPECT_EQ(std::get<command_msg>(cmd).seq, 1u);
  EXPECT_EQ(code_of(R"({"type":"ping","x":1e400})"), "bad_message");
  EXPECT_EQ(code_of(R"({"type":"ping","x":"\ud800"})"), "bad_unicode");
  EXPECT_EQ(code_of(R"({"type":"ping","x":"\q"})"), "bad_json");
  EXPECT_EQ(code_of(R"({"type":"ping","x":01})"), "bad_json");
  EXPECT_EQ(code_of(R"({"type":"cmd","clientID":"x","seq":1,"cmd":{"op":"remove_block","id":"abcdef","n":0.1}})"), "");
  EXPECT_EQ(code_of("\xEF\xBB\xBF{\"type\":\"ping\"}"), "");
  EXPECT_EQ(code_of(std::string("{\"type\":\"ping\"}\0", 16)), "");
  EXPECT_EQ(code_of("\xEF\xBB\xBF"), "bad_json");
}

// One parser serves every message of a thread: large messages (which grow its buffers, given back
// when a small one follows), small ones, invalid ones, each read on its own.
TEST(ClientMessage, TheThreadsParserIsReusedSafely) {
  for (int round = 0; round < 2; ++round) {
    std::string big(900'000 + round, 'x');
    auto m = parse_client_message(
        R"({"type":"push","stream":"s","version":0,"updates":[{"clientID":"x","changes":[[0,")" + big + R"("]]}]})", {});
    EXPECT_EQ(std::get<push_msg>(m).updates[0].changes.inserted_length(), 900'000 + round);
    EXPECT_EQ(code_of("{"), "bad_json");
    auto p = std::get<push_msg>(parse_client_message(
        R"({"type":"push","stream":"t","version":2,"updates":[{"clientID":"y","changes":[1,[0,"z"]]}]})", {}));
    EXPECT_EQ(p.stream, "t");
    EXPECT_EQ(p.updates[0].changes_json, R"([1,[0,"z"]])");
    EXPECT_EQ(code_of(R"({"type":"ping","x":)" + std::string(32, '[') + "1" + std::string(32, ']') + "}"), "bad_message");
  }
}
