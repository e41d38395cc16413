// Server-to-client message builders (see wire.hpp). Update messages splice each update's stored
// ChangeSet JSON in as is, so a broadcast costs one string build whatever the number of readers.
#include "unit/wire.hpp"

namespace coplan::unit::wire {

namespace {

void append_update(std::string& out, const text_update& u) {
  out += "{\"v\":";
  out += std::to_string(u.version);
  out += ",\"clientID\":";
  out += nlohmann::json(u.client_id).dump();
  out += ",\"seq\":";
  out += std::to_string(u.seq);
  out += ",\"author\":";
  out += std::to_string(u.author);
  out += ",\"time\":";
  out += std::to_string(u.time);
  out += ",\"changes\":";
  out += u.changes_json;
  out += '}';
}

}  // namespace

nlohmann::json update_json(const text_update& u) {
  std::string s;
  append_update(s, u);
  return nlohmann::json::parse(s);
}

message updates(const std::string& stream, const std::vector<std::shared_ptr<const text_update>>& ups) {
  std::string out = "{\"type\":\"updates\",\"stream\":";
  out += nlohmann::json(stream).dump();
  out += ",\"updates\":[";
  bool first = true;
  for (const auto& u : ups) {
    if (!first) out += ',';
    first = false;
    append_update(out, *u);
  }
  out += "]}";
  return std::make_shared<const std::string>(std::move(out));
}

message pushed(const std::string& stream, bool ok, std::uint64_t version) {
  // Built by hand like updates(): one is sent for every push, and building a json object for it
  // cost more than the updates message itself.
  std::string out = "{\"type\":\"pushed\",\"stream\":";
  out += nlohmann::json(stream).dump();
  out += ok ? ",\"ok\":true,\"version\":" : ",\"ok\":false,\"version\":";
  out += std::to_string(version);
  out += '}';
  return std::make_shared<const std::string>(std::move(out));
}

nlohmann::json command_json(const structure_update& u) {
  return {{"v", u.version}, {"clientID", u.client_id}, {"seq", u.seq},
          {"author", u.author}, {"time", u.time},       {"cmd", u.cmd.to_json()}};
}

message command(const structure_update& u) {
  auto j = command_json(u);
  j["type"] = "cmd";
  return of(j);
}

message command_ack(const std::string& client_id, std::uint64_t seq) {
  return of({{"type", "cmd_ack"}, {"clientID", client_id}, {"seq", seq}});
}

message error(const std::string& code, const std::string& text, const nlohmann::json& ref) {
  nlohmann::json j{{"type", "error"}, {"code", code}, {"message", text}};
  if (!ref.is_null()) j["ref"] = ref;
  return of(j);
}

message of(const nlohmann::json& j) {
  return std::make_shared<const std::string>(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace coplan::unit::wire
