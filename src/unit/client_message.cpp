// Parsing and checking client WebSocket messages (see client_message.hpp).
#include "unit/client_message.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include "text/coded_error.hpp"

namespace coplan::unit {

namespace {

using nlohmann::json;
using simdjson::dom::element;
using simdjson::dom::element_type;

[[noreturn]] void bad(const std::string& why) { throw coded_error("bad_message", why); }

// Arrays and objects in one message nest at most this deep: a valid message nests 5 deep (push,
// updates, update, changes, part). Copying a value (a command's "value") recurses once a level, so
// 1 MiB of brackets overflowed the stack; simdjson refuses deeper documents while parsing (an
// empty array or object innermost is not counted).
constexpr std::size_t max_nesting = 32;

element member(const element& j, const char* name) {
  element v;
  if (j.at_key(name).get(v)) bad(std::string("missing \"") + name + "\"");
  return v;
}

bool has_member(const element& j, const char* name) { return !j.at_key(name).error(); }

std::string_view string_of(const element& v, const char* name, std::size_t max) {
  std::string_view s;
  if (v.get(s)) bad(std::string("\"") + name + "\" must be a string");
  if (s.size() > max) bad(std::string("\"") + name + "\" is too long");
  return s;
}

std::uint64_t count_of(const element& v, const char* name) {
  std::uint64_t n = 0;
  if (v.type() == element_type::UINT64) {
    n = v.get_uint64().value_unsafe();
  } else if (v.type() == element_type::INT64 && v.get_int64().value_unsafe() >= 0) {
    n = static_cast<std::uint64_t>(v.get_int64().value_unsafe());
  } else {
    bad(std::string("\"") + name + "\" must be a non-negative integer");
  }
  if (n > (std::uint64_t{1} << 53)) bad(std::string("\"") + name + "\" is out of range");
  return n;
}

std::string client_id_of(const element& j, const char* name) {
  std::string id(string_of(member(j, name), name, 64));
  if (!valid_client_id(id)) bad("client ids are 1–64 printable ASCII characters");
  return id;
}

client_message parse_push(const element& j, const unit_limits& limits) {
  push_msg m;
  m.stream = string_of(member(j, "stream"), "stream", 100);
  m.version = count_of(member(j, "version"), "version");
  simdjson::dom::array ups;
  if (member(j, "updates").get(ups) || ups.size() == 0) bad("\"updates\" must be a non-empty array");
  if (ups.size() > limits.max_updates_per_push) throw coded_error("too_large", "too many updates in one push");
  m.updates.reserve(ups.size());
  for (element u : ups) {
    if (!u.is_object()) bad("each update must be an object");
    incoming_update iu;
    iu.client_id = client_id_of(u, "clientID");
    if (has_member(u, "seq")) iu.seq = count_of(member(u, "seq"), "seq");
    iu.changes = text::change_set::from_simdjson(member(u, "changes"), limits.max_field_length, limits.max_field_length);
    iu.changes_json = iu.changes.to_json_text();
    m.updates.push_back(std::move(iu));
  }
  return m;
}

client_message parse_command(const element& j, const unit_limits&) {
  command_msg m;
  m.client_id = client_id_of(j, "clientID");
  m.seq = count_of(member(j, "seq"), "seq");
  // Commands are few and small: their value goes to nlohmann::json, as commands are written.
  m.cmd = command::from_json(json::parse(simdjson::minify(member(j, "cmd"))));
  return m;
}

client_message parse_presence(const element& j, const unit_limits&) {
  presence_msg m;
  if (has_member(j, "stream") && !member(j, "stream").is_null()) m.stream = string_of(member(j, "stream"), "stream", 100);
  if (!m.stream.empty()) {
    m.anchor = static_cast<std::int64_t>(count_of(member(j, "anchor"), "anchor"));
    m.head = static_cast<std::int64_t>(count_of(member(j, "head"), "head"));
  }
  return m;
}

client_message parse_hello(const element& j, const unit_limits&) {
  hello_msg m;
  m.client_id = client_id_of(j, "clientID");
  if (has_member(j, "streams")) {
    simdjson::dom::object s;
    if (member(j, "streams").get(s)) bad("\"streams\" must be an object");
    if (s.size() > 10'000) throw coded_error("too_large", "too many streams");
    for (auto [k, v] : s) m.streams[std::string(k)] = count_of(v, "version");
  }
  if (has_member(j, "batch")) {
    bool batch = false;
    if (member(j, "batch").get(batch)) bad("\"batch\" must be true or false");
    m.batch = batch;
  }
  return m;
}

client_message parse_ping(const element&, const unit_limits&) { return ping_msg{}; }

// What nlohmann::json, which parsed messages before simdjson, makes of a message simdjson
// refused: the error codes clients have always had for invalid JSON or Unicode (nlohmann names the
// fault: a lone \u surrogate escape is invalid Unicode), or, for input it reads and simdjson does
// not (an integer beyond 64 bits, which nlohmann reads as a double; a byte order mark; a NUL after
// the message), the text of the value it read, for simdjson to parse: such a message means what it
// always meant (a command with a huge number still gets the unit's answer naming the command).
std::string as_nlohmann_reads(simdjson::error_code error, std::string_view text) {
  if (error == simdjson::DEPTH_ERROR) bad("the message nests too deeply");
  if (error == simdjson::UTF8_ERROR) throw coded_error("bad_unicode", "message text is not valid Unicode");
  try {
    return json::parse(text).dump();
  } catch (const json::parse_error& e) {
    std::string what = e.what();
    if (what.find("UTF-8") != std::string::npos || what.find("surrogate") != std::string::npos)
      throw coded_error("bad_unicode", "message text is not valid Unicode");
    throw coded_error("bad_json", "message is not valid JSON");
  } catch (const json::out_of_range&) {
    // A number too large for a double (1e400): valid JSON syntax, but no value we could hold.
    bad("a number in the message is out of range");
  }
}

// One parser per thread, kept between messages so its buffers are reused.
simdjson::dom::parser& thread_parser() {
  thread_local simdjson::dom::parser parser = [] {
    simdjson::dom::parser p;
    // simdjson refuses a document when a non-empty array or object would be at this depth.
    if (p.allocate(64 * 1024, max_nesting + 1)) throw std::bad_alloc();
    return p;
  }();
  return parser;
}

// The one table of message types: the parser dispatches on it and client_message_types() (which
// the authorization-matrix test walks) is read from it, so a new type cannot be left out of either.
struct message_kind {
  std::string_view type;
  client_message (*parse)(const element& j, const unit_limits& limits);
};

const std::vector<message_kind>& message_kinds() {
  static const std::vector<message_kind> kinds{
      {"hello", parse_hello}, {"push", parse_push}, {"cmd", parse_command}, {"presence", parse_presence}, {"ping", parse_ping}};
  return kinds;
}

}  // namespace

const std::vector<std::string>& client_message_types() {
  static const std::vector<std::string> types = [] {
    std::vector<std::string> out;
    for (const auto& k : message_kinds()) out.emplace_back(k.type);
    return out;
  }();
  return types;
}

bool valid_client_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

client_message parse_client_message(std::string_view text, const unit_limits& limits) {
  auto& parser = thread_parser();
  // A large message grows the parser's buffers to about 15 bytes for each of its bytes: give them
  // back when a small message follows, so one 1 MiB push does not keep 15 MiB per io thread.
  if (parser.capacity() > 256 * 1024 && text.size() <= 64 * 1024) {
    // If this fails, the parse below allocates what it needs, as it would have anyway.
    [[maybe_unused]] auto shrunk = parser.allocate(64 * 1024, parser.max_depth());
  }
  element j;
  std::string reread;
  if (auto error = parser.parse(text.data(), text.size()).get(j)) {
    reread = as_nlohmann_reads(error, text);
    if (auto again = parser.parse(reread).get(j))
      bad(again == simdjson::DEPTH_ERROR ? "the message nests too deeply" : "message cannot be read");
  }
  if (!j.is_object()) bad("a message must be a JSON object");
  auto type = string_of(member(j, "type"), "type", 32);
  for (const auto& k : message_kinds())
    if (k.type == type) return k.parse(j, limits);
  throw coded_error("unknown_type", "unknown message type");
}

}  // namespace coplan::unit
