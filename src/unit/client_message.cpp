// Parsing and checking client WebSocket messages (see client_message.hpp).
#include "unit/client_message.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "text/coded_error.hpp"

namespace coplan::unit {

namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& why) { throw coded_error("bad_message", why); }

constexpr std::size_t max_nesting = 32;  // arrays and objects in one message

const json& member(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) bad(std::string("missing \"") + name + "\"");
  return *it;
}

std::string string_of(const json& j, const char* name, std::size_t max) {
  const auto& v = member(j, name);
  if (!v.is_string()) bad(std::string("\"") + name + "\" must be a string");
  const auto& s = v.get_ref<const std::string&>();
  if (s.size() > max) bad(std::string("\"") + name + "\" is too long");
  return s;
}

std::uint64_t count_of(const json& v, const char* name) {
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0))
    bad(std::string("\"") + name + "\" must be a non-negative integer");
  auto n = v.get<std::uint64_t>();
  if (n > (std::uint64_t{1} << 53)) bad(std::string("\"") + name + "\" is out of range");
  return n;
}

// How deeply arrays and objects nest in `text`, which has parsed as JSON.
std::size_t nesting_of(std::string_view text) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

std::string client_id_of(const json& j, const char* name) {
  auto id = string_of(j, name, 64);
  if (!valid_client_id(id)) bad("client ids are 1–64 printable ASCII characters");
  return id;
}

client_message parse_push(const json& j, const unit_limits& limits) {
  push_msg m;
  m.stream = string_of(j, "stream", 100);
  m.version = count_of(member(j, "version"), "version");
  const auto& ups = member(j, "updates");
  if (!ups.is_array() || ups.empty()) bad("\"updates\" must be a non-empty array");
  if (ups.size() > limits.max_updates_per_push) throw coded_error("too_large", "too many updates in one push");
  for (const auto& u : ups) {
    if (!u.is_object()) bad("each update must be an object");
    incoming_update iu;
    iu.client_id = client_id_of(u, "clientID");
    if (u.contains("seq")) iu.seq = count_of(u.at("seq"), "seq");
    const auto& changes = member(u, "changes");
    iu.changes = text::change_set::from_json(changes, limits.max_field_length, limits.max_field_length);
    iu.changes_json = changes.dump();
    m.updates.push_back(std::move(iu));
  }
  return m;
}

client_message parse_command(const json& j, const unit_limits&) {
  command_msg m;
  m.client_id = client_id_of(j, "clientID");
  m.seq = count_of(member(j, "seq"), "seq");
  m.cmd = command::from_json(member(j, "cmd"));
  return m;
}

client_message parse_presence(const json& j, const unit_limits&) {
  presence_msg m;
  if (j.contains("stream") && !j.at("stream").is_null()) m.stream = string_of(j, "stream", 100);
  if (!m.stream.empty()) {
    m.anchor = static_cast<std::int64_t>(count_of(member(j, "anchor"), "anchor"));
    m.head = static_cast<std::int64_t>(count_of(member(j, "head"), "head"));
  }
  return m;
}

client_message parse_hello(const json& j, const unit_limits&) {
  hello_msg m;
  m.client_id = client_id_of(j, "clientID");
  if (j.contains("streams")) {
    const auto& s = j.at("streams");
    if (!s.is_object()) bad("\"streams\" must be an object");
    if (s.size() > 10'000) throw coded_error("too_large", "too many streams");
    for (const auto& [k, v] : s.items()) m.streams[k] = count_of(v, "version");
  }
  if (j.contains("batch")) {
    if (!j.at("batch").is_boolean()) bad("\"batch\" must be true or false");
    m.batch = j.at("batch").get<bool>();
  }
  return m;
}

client_message parse_ping(const json&, const unit_limits&) { return ping_msg{}; }

// The one table of message types: the parser dispatches on it and client_message_types() (which
// the authorization-matrix test walks) is read from it, so a new type cannot be left out of either.
struct message_kind {
  std::string_view type;
  client_message (*parse)(const json& j, const unit_limits& limits);
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
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    // nlohmann rejects invalid UTF-8 and lone \u surrogate escapes while parsing.
    std::string what = e.what();
    if (what.find("UTF-8") != std::string::npos || what.find("surrogate") != std::string::npos)
      throw coded_error("bad_unicode", "message text is not valid Unicode");
    throw coded_error("bad_json", "message is not valid JSON");
  } catch (const json::out_of_range&) {
    // A number too large for a double (1e400): valid JSON syntax, but no value we could hold.
    bad("a number in the message is out of range");
  }
  // A valid message nests 5 deep at most (push, updates, update, changes, part). Copying a value
  // (a command's "value") recurses once a level, so 1 MiB of brackets overflowed the stack.
  if (nesting_of(text) > max_nesting) bad("the message nests too deeply");
  if (!j.is_object()) bad("a message must be a JSON object");
  auto type = string_of(j, "type", 32);
  for (const auto& k : message_kinds())
    if (k.type == type) return k.parse(j, limits);
  throw coded_error("unknown_type", "unknown message type");
}

}  // namespace coplan::unit
