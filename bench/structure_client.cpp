// A client's copy of a unit's structure and its pending commands (see structure_client.hpp).
#include "structure_client.hpp"

#include <algorithm>

#include "unit/command.hpp"

namespace coplan::bench {

using nlohmann::json;

std::uint64_t structure_client::add(json cmd) {
  auto seq = next_seq_++;
  pending_.push_back({seq, std::move(cmd)});
  acked_.push_back(0);
  return seq;
}

std::string structure_client::message(std::uint64_t seq) const {
  for (const auto& p : pending_)
    if (p.seq == seq) return json{{"type", "cmd"}, {"clientID", client_id_}, {"seq", seq}, {"cmd", p.cmd}}.dump();
  return {};
}

std::vector<std::string> structure_client::pending_messages() const {
  std::vector<std::string> out;
  for (const auto& p : pending_) out.push_back(message(p.seq));
  return out;
}

void structure_client::welcome(const json& template_json, const json& structure) {
  auto id = template_json.value("id", std::string());
  if (!spec_ || id != spec_id_) {
    spec_ = unit::template_spec::from_json(template_json);
    spec_id_ = id;
  }
  doc_ = std::make_unique<unit::unit_doc>(
      unit::unit_doc::from_json(spec_, unit::unit_limits{}, json{{"structure", structure}, {"streams", json::object()}}));
}

std::string structure_client::on_command(const json& m) {
  if (!doc_) return "a command before the welcome";
  auto v = m.at("v").get<std::uint64_t>();
  if (v < doc_->structure_version()) return {};  // in the welcome already
  if (v > doc_->structure_version())
    return "structure version gap: command " + std::to_string(v) + " after " + std::to_string(doc_->structure_version());
  auto client = m.at("clientID").get<std::string>();
  auto seq = m.at("seq").get<std::uint64_t>();
  try {
    doc_->apply(unit::command::from_json(m.at("cmd")), client, seq, m.at("author").get<std::uint32_t>(),
                m.at("time").get<std::int64_t>());
  } catch (const std::exception& e) {
    return std::string("the confirmed structure refuses command ") + std::to_string(v) + ": " + e.what();
  }
  if (client == client_id_) settle(seq);
  return {};
}

void structure_client::settle(std::uint64_t seq) {
  std::erase_if(pending_, [&](const pending& p) { return p.seq == seq; });
  if (seq >= 1 && seq < next_seq_) acked_[seq - 1] = 1;
}

std::size_t structure_client::acknowledged_count() const {
  return static_cast<std::size_t>(std::count(acked_.begin(), acked_.end(), 1));
}

}  // namespace coplan::bench
