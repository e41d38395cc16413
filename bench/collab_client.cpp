// The C++ collab client (see collab_client.hpp); receive() follows @codemirror/collab's
// receiveUpdates step for step, for the changes.
#include "collab_client.hpp"

namespace coplan::bench {

void collab_client::reset(std::uint64_t version, const std::u16string& text) {
  version_ = version;
  doc_ = text::text_buffer(text);
  unconfirmed_.clear();
  in_flight_ = false;
}

std::uint64_t collab_client::edit(text::change_set changes) {
  doc_.validate(changes);
  doc_.apply(changes);
  auto seq = next_seq_++;
  unconfirmed_.push_back({seq, std::move(changes)});
  return seq;
}

std::optional<std::string> collab_client::next_push(std::size_t max_updates) {
  if (in_flight_ || unconfirmed_.empty()) return std::nullopt;
  std::string m = "{\"type\":\"push\",\"stream\":" + nlohmann::json(stream_).dump() + ",\"version\":" + std::to_string(version_) +
                  ",\"updates\":[";
  std::size_t n = std::min(max_updates, unconfirmed_.size());
  for (std::size_t i = 0; i < n; ++i)
    m += std::string(i ? "," : "") + "{\"clientID\":" + nlohmann::json(client_id_).dump() + ",\"seq\":" +
         std::to_string(unconfirmed_[i].seq) + ",\"changes\":" + unconfirmed_[i].changes.to_json_text() + "}";
  m += "]}";
  in_flight_ = true;
  return m;
}

std::vector<std::uint64_t> collab_client::receive(std::uint64_t first, const nlohmann::json& updates) {
  return receive(
      first, updates, [](const nlohmann::json& u) -> const std::string& { return u["clientID"].get_ref<const std::string&>(); },
      [](const nlohmann::json& u) { return text::change_set::from_json(u["changes"], 1 << 30, 1 << 30); });
}

void collab_client::apply_remote(text::change_set theirs) {
  // Two buffers for `theirs`, written in turn by map_into, and one for the mapped pending change.
  text::change_set other, mapped;
  text::change_set* t = &theirs;
  text::change_set* u = &other;
  for (auto& p : unconfirmed_) {
    p.changes.map_into(*t, false, mapped);
    t->map_into(p.changes, true, *u);
    std::swap(t, u);
    p.changes = std::move(mapped);  // map_into clears `mapped` before its next use
  }
  doc_.validate(*t);
  doc_.apply(*t);
}

void collab_client::pushed(bool ok) { in_flight_ = false; }

}  // namespace coplan::bench
