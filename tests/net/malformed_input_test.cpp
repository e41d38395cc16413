// Malformed input (issue #9): a corpus of bad WebSocket messages (tests/net/corpus/bad_messages.json)
// plus every truncation and every wrong-typed field of valid messages. Each bad message is answered
// with exactly one error whose code is documented in docs/protocol.md, nothing is applied (the
// partner hears nothing, the op log does not grow, a fresh client sees the same unit), and the
// connection keeps working.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>

#include <sqlite3.h>

#include "support/test_server.hpp"

using namespace coplan;
using namespace coplan::test_support;
using nlohmann::json;

namespace {

std::set<std::string> documented_codes() {
  std::ifstream in(std::string(COPLAN_SOURCE_DIR) + "/docs/protocol.md");
  std::string doc((std::istreambuf_iterator<char>(in)), {});
  std::set<std::string> codes;
  std::regex row(R"(\n\| `([a-z_]+)`)");
  for (auto it = std::sregex_iterator(doc.begin(), doc.end(), row); it != std::sregex_iterator(); ++it) codes.insert((*it)[1]);
  return codes;
}

long long oplog_rows(const std::string& db_path) {
  sqlite3* db = nullptr;
  long long n = -1;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM oplog", -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
      n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return n;
}

// What a fresh client sees of the unit: every stream's version and text, and the structure.
json visible_state(test_server& ts) {
  json w;
  auto c = ts.join("tea", "observer", &w);
  json out{{"structure", w["structure"]}, {"streams", json::object()}};
  for (auto& [id, s] : w["streams"].items()) out["streams"][id] = {s["version"], s["text"]};
  return out;
}

// Sends `raw`, then a ping as a fence; returns the error codes that came back before the pong, and
// whether anything else (an acknowledgement, an update) came back.
std::pair<std::vector<std::string>, std::vector<std::string>> answer_to(ws_client& c, const std::string& raw) {
  c.send(raw);
  c.send(std::string(R"({"type":"ping"})"));
  std::vector<std::string> codes, others;
  while (true) {
    auto m = c.recv(std::chrono::seconds(10));
    if (!m) {
      others.push_back("(nothing: timeout or closed)");
      break;
    }
    auto type = (*m)["type"].get<std::string>();
    if (type == "pong") break;
    if (type == "error") codes.push_back((*m)["code"].get<std::string>());
    else if (type != "online" && type != "presence") others.push_back(type);
  }
  return {codes, others};
}

// Every prefix of a valid message, and the message with each field replaced by values of other
// types.
std::vector<std::string> generated_cases(const std::vector<json>& valid) {
  std::vector<std::string> out;
  const std::vector<json> wrong{nullptr, true, -1, 1.5, "x", json::array(), json::object(), json::array({1, "a"})};
  for (const auto& m : valid) {
    auto text = m.dump();
    for (std::size_t n = 1; n < text.size(); n += (n < 20 ? 1 : 7)) out.push_back(text.substr(0, n));
    std::function<void(json&, const std::function<void()>&)> each_field = [&](json& j, const std::function<void()>& emit) {
      if (j.is_object()) {
        for (auto& [k, v] : j.items()) {
          if (k == "type") continue;
          auto saved = v;
          for (const auto& w : wrong) {
            if (w.type() == saved.type()) continue;
            // null is a valid position ("first"), a valid value ("clear") and a valid presence.
            if (w.is_null() && (k == "after" || k == "value" || k == "stream")) continue;
            v = w;
            emit();
          }
          v = saved;
          each_field(v, emit);
        }
      } else if (j.is_array()) {
        for (auto& v : j) each_field(v, emit);
      }
    };
    json copy = m;
    each_field(copy, [&] { out.push_back(copy.dump()); });
  }
  return out;
}

}  // namespace

TEST(ServerMalformedInput, EveryBadMessageGetsADocumentedCodeAndChangesNothing) {
  test_server ts([](net::server_config& c) {
    lift_message_limits(c);  // thousands of messages in a burst here
  });
  auto a = ts.join("lib", "A");
  auto b = ts.join("tea", "B");
  // The unit: unit.goals = "hello world" (version 1); lesson L1aaaa removed; lesson L2bbbb live.
  a->send(json{{"type", "push"},
               {"stream", "unit.goals"},
               {"version", 0},
               {"updates", json::array({{{"clientID", "A"}, {"seq", 1}, {"changes", json::array({json::array({0, "hello world"})})}}})}});
  ASSERT_TRUE(a->expect("pushed")["ok"].get<bool>());
  int seq = 1;
  for (const char* id : {"L1aaaa", "L2bbbb"}) {
    a->send(json{{"type", "cmd"}, {"clientID", "A"}, {"seq", seq++}, {"cmd", {{"op", "add_block"}, {"list", "lessons"}, {"id", id}, {"after", nullptr}}}});
    a->expect("cmd");
  }
  a->send(json{{"type", "cmd"}, {"clientID", "A"}, {"seq", seq++}, {"cmd", {{"op", "remove_block"}, {"id", "L1aaaa"}}}});
  a->expect("cmd");
  // Let B see all of that, then remember what everyone sees.
  b->send(std::string(R"({"type":"ping"})"));
  b->expect("pong");
  while (b->recv(std::chrono::milliseconds(100))) {
  }
  auto db_path = ts.dir().file("coplan.db");
  auto rows_before = oplog_rows(db_path);
  auto state_before = visible_state(ts);
  ASSERT_GT(rows_before, 0);

  auto codes_documented = documented_codes();
  ASSERT_TRUE(codes_documented.count("bad_json"));

  // The hand-written corpus.
  std::ifstream in(std::string(COPLAN_SOURCE_DIR) + "/tests/net/corpus/bad_messages.json");
  auto corpus = json::parse(in);
  std::size_t tried = 0;
  for (const auto& c : corpus["cases"]) {
    std::string raw;
    if (c.contains("raw")) {
      raw = c["raw"];
    } else {  // many_updates: one more update than a push may carry
      json updates = json::array();
      for (int i = 0; i < 1001; ++i) updates.push_back({{"clientID", "A"}, {"seq", 100 + i}, {"changes", json::array({11})}});
      raw = json{{"type", "push"}, {"stream", "unit.goals"}, {"version", 1}, {"updates", updates}}.dump();
    }
    auto [codes, others] = answer_to(*a, raw);
    EXPECT_EQ(codes, std::vector<std::string>{c["code"].get<std::string>()}) << c["name"] << ": " << raw.substr(0, 200);
    EXPECT_TRUE(others.empty()) << c["name"] << " got " << json(others).dump();
    ++tried;
  }

  // Truncations and wrong types of valid messages (each of which, sent whole, would change the unit).
  std::vector<json> valid{
      {{"type", "push"}, {"stream", "unit.goals"}, {"version", 1},
       {"updates", json::array({{{"clientID", "A"}, {"seq", 2}, {"changes", json::array({11, json::array({0, "!"})})}}})}},
      {{"type", "cmd"}, {"clientID", "A"}, {"seq", 90}, {"cmd", {{"op", "add_block"}, {"list", "lessons"}, {"id", "L3cccc"}, {"after", "L2bbbb"}}}},
      {{"type", "cmd"}, {"clientID", "A"}, {"seq", 91}, {"cmd", {{"op", "set"}, {"block", "unit"}, {"field", "grade"}, {"value", "5"}}}},
      {{"type", "cmd"}, {"clientID", "A"}, {"seq", 92}, {"cmd", {{"op", "move_block"}, {"id", "L2bbbb"}, {"after", nullptr}}}},
      {{"type", "presence"}, {"stream", "unit.goals"}, {"anchor", 1}, {"head", 2}},
  };
  std::size_t generated = 0, accepted = 0;
  for (const auto& raw : generated_cases(valid)) {
    auto [codes, others] = answer_to(*a, raw);
    ++generated;
    if (codes.empty()) {
      ++accepted;
      ADD_FAILURE() << "accepted: " << raw << " -> " << json(others).dump();
      continue;
    }
    EXPECT_EQ(codes.size(), 1u) << raw;
    EXPECT_TRUE(codes_documented.count(codes[0])) << "undocumented error code " << codes[0] << " for " << raw;
    EXPECT_TRUE(others.empty()) << raw << " also got " << json(others).dump();
  }
  std::cout << "[ corpus  ] " << tried << " hand-written and " << generated << " generated bad messages, " << accepted
            << " accepted\n";

  // Nothing changed: the partner heard nothing, the log did not grow, a fresh client sees the same.
  while (auto m = b->recv(std::chrono::milliseconds(200))) {
    auto type = (*m)["type"].get<std::string>();
    EXPECT_TRUE(type == "online" || type == "presence") << "the partner received " << m->dump().substr(0, 200);
  }
  EXPECT_EQ(oplog_rows(db_path), rows_before);
  EXPECT_EQ(visible_state(ts), state_before);
  // And the connection still works.
  a->send(json{{"type", "push"},
               {"stream", "unit.goals"},
               {"version", 1},
               {"updates", json::array({{{"clientID", "A"}, {"seq", 2}, {"changes", json::array({11, json::array({0, "!"})})}}})}});
  EXPECT_TRUE(a->expect("pushed")["ok"].get<bool>());
}
