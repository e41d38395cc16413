// Fuzzes the parsing of WebSocket client messages (unit::parse_client_message): the input bytes
// are one text frame as a browser would send it. Parsing must never crash and may only throw
// coded_error with one of the codes docs/protocol.md lists for parsing. A message that parses is
// then taken the rest of the way the server takes it: its changes and command survive the
// JSON round trip the op log makes, it is applied to a small unit (pushes and commands, whose
// refusals must again be typed), and every reply the server would send (error, updates, cmd) is
// valid JSON.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fuzz_check.hpp"
#include "text/coded_error.hpp"
#include "unit/client_message.hpp"
#include "unit/unit_doc.hpp"
#include "unit/wire.hpp"

using namespace coplan;
using namespace coplan::unit;
using nlohmann::json;

namespace {

constexpr std::initializer_list<std::string_view> parse_codes{
    "bad_json", "bad_message", "unknown_type", "bad_changes", "bad_unicode", "bad_command", "too_large"};
constexpr std::initializer_list<std::string_view> push_codes{
    "unknown_stream", "bad_version", "length_mismatch", "split_surrogate", "too_large", "bad_message"};
constexpr std::initializer_list<std::string_view> command_codes{
    "unknown_block", "unknown_list", "block_removed", "not_removed", "duplicate_id", "unknown_field", "bad_value",
    "too_large", "unknown_comment", "bad_command", "unknown_tag", "not_allowed", "unknown_stream",
    "bad_version"};  // an add_tag made at a field version the unit has not reached

// A small unit to apply parsed messages to: some text (with a surrogate pair) in unit.goals at
// version 3, "Hello 😀 world", a lesson, a removed resource, a comment thread and a tag.
std::shared_ptr<const template_spec> ubd() {
  static const auto spec = template_spec::load_file(std::string(COPLAN_SOURCE_DIR) + "/templates/ubd.json");
  return spec;
}

const unit_doc& base_doc() {
  static const unit_doc doc = [] {
    unit_limits limits;
    limits.max_blocks_per_list = 4;
    limits.max_comments = 4;
    unit_doc d(ubd(), limits);
    d.set_members({1, 2});
    d.set_expertise_areas({"inquiry", "content"});
    std::vector<std::shared_ptr<const text_update>> acc;
    auto push = [&](std::uint64_t version, const char* changes) {
      std::vector<incoming_update> ups(1);
      ups[0].client_id = "seed";
      ups[0].changes = text::change_set::from_json(json::parse(changes), 1 << 20, 1 << 20);
      d.push("unit.goals", version, std::move(ups), 2, 1000, acc);
    };
    push(0, R"([[0,"hello world"]])");
    push(1, R"([5,[0," \ud83d\ude00"],6])");
    push(2, R"([[6,"Hello "],8])");
    auto cmd = [&](const char* j) { d.apply(command::from_json(json::parse(j)), "seed", 0, 1, 1000); };
    cmd(R"({"op":"add_block","list":"lessons","id":"lesson1","after":null})");
    cmd(R"({"op":"add_block","list":"resources","id":"res-gone","after":null})");
    cmd(R"({"op":"remove_block","id":"res-gone"})");
    cmd(R"({"op":"add_comment","id":"thread1","target":"stage1","parent":null,"text":"Right goals?"})");
    cmd(R"({"op":"add_tag","id":"tag-one","area":"inquiry","target":"unit.goals","from":0,"to":5})");
    return d;
  }();
  return doc;
}

// A server reply must be JSON a browser can parse.
void check_reply(const wire::message& m) {
  FUZZ_CHECK(m && json::accept(*m));
}

void check_push(push_msg& m) {
  FUZZ_CHECK(!m.updates.empty() && m.updates.size() <= unit_limits{}.max_updates_per_push);
  FUZZ_CHECK(m.stream.size() <= 100);
  for (const auto& u : m.updates) {
    FUZZ_CHECK(valid_client_id(u.client_id));
    // What the op log stores (the changes as sent) reads back as the same change set, with the
    // limits restore uses.
    auto again = text::change_set::from_json(json::parse(u.changes_json), INT64_MAX / 4, INT64_MAX / 4);
    FUZZ_CHECK(again == u.changes);
    FUZZ_CHECK(text::change_set::from_json(u.changes.to_json(), INT64_MAX / 4, INT64_MAX / 4) == u.changes);
    FUZZ_CHECK(u.changes.new_length() == u.changes.length() - u.changes.deleted_length() + u.changes.inserted_length());
  }
  unit_doc doc = base_doc();
  std::vector<std::shared_ptr<const text_update>> accepted;
  try {
    doc.push(m.stream, m.version, std::move(m.updates), 1, 2000, accepted);
  } catch (const coded_error& e) {
    fuzz::expect_code(e, push_codes, "push");
    check_reply(wire::error(e.code(), e.what(), {{"stream", m.stream}, {"version", m.version}}));
    return;
  }
  if (!accepted.empty()) check_reply(wire::updates(m.stream, accepted));
  const auto* s = doc.find_stream(m.stream);
  FUZZ_CHECK(s && s->authors.total() == s->text.size());
  FUZZ_CHECK(static_cast<std::int64_t>(s->text.size()) <= doc.limits().max_field_length);
  (void)s->text.to_utf8();  // throws (and so crashes here) on a lone surrogate
}

void check_command(const command_msg& m) {
  FUZZ_CHECK(valid_client_id(m.client_id));
  FUZZ_CHECK(m.seq <= (std::uint64_t{1} << 53));
  // The op log stores cmd.to_json().dump() and replays it with command::from_json.
  auto stored = m.cmd.to_json().dump();
  auto replayed = command::from_json(json::parse(stored));
  FUZZ_CHECK(replayed.to_json().dump() == stored);
  unit_doc doc = base_doc();
  auto before = doc.to_json();
  try {
    auto update = doc.apply(m.cmd, m.client_id, m.seq, 1, 2000);
    check_reply(wire::command(*update));
  } catch (const coded_error& e) {
    fuzz::expect_code(e, command_codes, "command");
    check_reply(wire::error(e.code(), e.what(), {{"clientID", m.client_id}, {"seq", m.seq}}));
    FUZZ_CHECK(doc.to_json() == before);  // a refused command changes nothing
    return;
  }
  // A snapshot of the result restores to the same state.
  auto snap = doc.to_json();
  FUZZ_CHECK(unit_doc::from_json(ubd(), doc.limits(), json::parse(snap.dump())).to_json() ==
             snap);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  client_message msg;
  try {
    msg = parse_client_message(text, unit_limits{});
  } catch (const coded_error& e) {
    fuzz::expect_code(e, parse_codes, "parse_client_message");
    check_reply(wire::error(e.code(), e.what()));
    return 0;
  }
  if (auto* p = std::get_if<push_msg>(&msg)) {
    check_push(*p);
  } else if (auto* c = std::get_if<command_msg>(&msg)) {
    check_command(*c);
  } else if (auto* h = std::get_if<hello_msg>(&msg)) {
    FUZZ_CHECK(valid_client_id(h->client_id));
    FUZZ_CHECK(h->streams.size() <= 10'000);
  } else if (auto* pr = std::get_if<presence_msg>(&msg)) {
    FUZZ_CHECK(pr->stream.size() <= 100);
    FUZZ_CHECK(pr->anchor >= 0 && pr->head >= 0);
  }
  return 0;
}
