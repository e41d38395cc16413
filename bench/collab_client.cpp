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
         std::to_string(unconfirmed_[i].seq) + ",\"changes\":" + unconfirmed_[i].changes.to_json().dump() + "}";
  m += "]}";
  in_flight_ = true;
  return m;
}

std::vector<std::uint64_t> collab_client::receive(std::uint64_t first, const nlohmann::json& updates) {
  std::vector<std::uint64_t> confirmed;
  if (first > version_) throw std::runtime_error("missing updates");
  // One update at a time, as the browser does (see StreamPeer.onUpdates).
  for (std::size_t i = static_cast<std::size_t>(version_ - first); i < updates.size(); ++i) {
    const auto& u = updates[i];
    ++version_;
    if (!unconfirmed_.empty() && u["clientID"] == client_id_) {
      confirmed.push_back(unconfirmed_.front().seq);
      unconfirmed_.pop_front();
      continue;
    }
    auto theirs = text::change_set::from_json(u["changes"], 1 << 30, 1 << 30);
    for (auto& p : unconfirmed_) {
      auto mapped = p.changes.map(theirs);
      theirs = theirs.map(p.changes, true);
      p.changes = std::move(mapped);
    }
    doc_.validate(theirs);
    doc_.apply(theirs);
  }
  return confirmed;
}

void collab_client::pushed(bool ok) { in_flight_ = false; }

}  // namespace coplan::bench
