// collab_client: the client side of one collaborative text field, in C++, for load generators and
// the crash harness: a local document, the confirmed version, unconfirmed updates (each with this
// client's id and a sequence number), at most one push in flight, and @codemirror/collab's
// receiveUpdates algorithm (own updates confirm by client id; the others' are composed and the
// unconfirmed ones are rebased over them). Pure: no sockets; the caller moves the messages.
#pragma once
#include <cstdint>
#include <deque>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "text/change_set.hpp"
#include "text/text_buffer.hpp"

namespace coplan::bench {

class collab_client {
public:
  struct pending {
    std::uint64_t seq;
    text::change_set changes;
  };

  collab_client(std::string stream, std::string client_id) : stream_(std::move(stream)), client_id_(std::move(client_id)) {}

  // The field as the server sent it (welcome).
  void reset(std::uint64_t version, const std::u16string& text);
  // A local edit: applied at once, sent later. Returns its sequence number.
  std::uint64_t edit(text::change_set changes);
  // The next push message, when none is in flight and something is unconfirmed.
  std::optional<std::string> next_push(std::size_t max_updates = 200);
  // The server's updates, starting at version `first`. Returns the sequence numbers of our own
  // updates they confirmed.
  std::vector<std::uint64_t> receive(std::uint64_t first, const nlohmann::json& updates);
  // The same over any range of updates (the load generator reads them with simdjson):
  // client_id_of(u) gives an update's client id, changes_of(u) its change set (only asked for the
  // updates of other clients).
  template <class Updates, class ClientIdOf, class ChangesOf>
  std::vector<std::uint64_t> receive(std::uint64_t first, const Updates& updates, ClientIdOf&& client_id_of,
                                     ChangesOf&& changes_of) {
    std::vector<std::uint64_t> confirmed;
    if (first > version_) throw std::runtime_error("missing updates");
    std::uint64_t v = first;
    // One update at a time, as the browser does (see StreamPeer.onUpdates).
    for (const auto& u : updates) {
      if (v++ < version_) continue;
      ++version_;
      if (!unconfirmed_.empty() && client_id_of(u) == client_id_) {
        confirmed.push_back(unconfirmed_.front().seq);
        unconfirmed_.pop_front();
        continue;
      }
      apply_remote(changes_of(u));
    }
    return confirmed;
  }
  void pushed(bool ok);
  // The connection dropped: whatever was in flight is answered (or not) on the next one.
  void disconnected() { in_flight_ = false; }

  const std::string& stream() const { return stream_; }
  const std::string& client_id() const { return client_id_; }
  std::uint64_t version() const { return version_; }
  std::size_t unconfirmed() const { return unconfirmed_.size(); }
  const text::text_buffer& text() const { return doc_; }
  bool in_flight() const { return in_flight_; }

private:
  // Another client's update: rebases the unconfirmed updates over it and applies it.
  void apply_remote(text::change_set theirs);

  std::string stream_;
  std::string client_id_;
  std::uint64_t version_ = 0;
  std::uint64_t next_seq_ = 1;
  text::text_buffer doc_;
  std::deque<pending> unconfirmed_;
  bool in_flight_ = false;
};

}  // namespace coplan::bench
