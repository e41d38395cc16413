// structure_client: one client's side of a unit's structure (lessons and other blocks, unit values)
// for the crash harness, as the browser's StructureModel keeps it: the structure the server
// confirmed (the welcome's, then every `cmd` broadcast applied in version order, with the server's
// own unit_doc) and this client's commands not yet confirmed, each with its seq, sent again after
// every reconnect (the server answers `cmd_ack` for one it already applied). Pure: no sockets.
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "unit/template_spec.hpp"
#include "unit/unit_doc.hpp"

namespace coplan::bench {

class structure_client {
public:
  explicit structure_client(std::string client_id) : client_id_(std::move(client_id)) {}

  // Queues a command of ours; returns its seq (1, 2, …). The command is sent by message().
  std::uint64_t add(nlohmann::json cmd);
  // The `cmd` message for our pending command `seq`.
  std::string message(std::uint64_t seq) const;
  // Every pending command's message, in seq order (to send after a welcome).
  std::vector<std::string> pending_messages() const;

  // The welcome's template and structure: the confirmed structure starts again from them.
  void welcome(const nlohmann::json& template_json, const nlohmann::json& structure);
  // A `cmd` broadcast (anyone's). Returns an empty string, or why it could not be applied (a
  // version gap, or a command the confirmed structure refuses: the copy diverged).
  std::string on_command(const nlohmann::json& m);
  // `cmd_ack`: a re-sent command the server had already applied.
  void on_ack(std::uint64_t seq) { settle(seq); }

  const std::string& client_id() const { return client_id_; }
  std::size_t unconfirmed() const { return pending_.size(); }
  std::uint64_t sent() const { return next_seq_ - 1; }
  // Whether our command `seq` was confirmed (its broadcast or a cmd_ack arrived).
  bool acknowledged(std::uint64_t seq) const { return seq >= 1 && seq < next_seq_ && acked_[seq - 1]; }
  std::size_t acknowledged_count() const;
  bool welcomed() const { return doc_ != nullptr; }
  std::uint64_t version() const { return doc_ ? doc_->structure_version() : 0; }
  // The confirmed structure in the welcome's form.
  nlohmann::json structure_json() const { return doc_ ? doc_->structure_json() : nlohmann::json(); }

private:
  struct pending {
    std::uint64_t seq;
    nlohmann::json cmd;
  };
  void settle(std::uint64_t seq);

  std::string client_id_;
  std::uint64_t next_seq_ = 1;
  std::deque<pending> pending_;
  std::vector<std::uint8_t> acked_;  // by seq - 1
  std::shared_ptr<const unit::template_spec> spec_;
  std::string spec_id_;
  std::unique_ptr<unit::unit_doc> doc_;
};

}  // namespace coplan::bench
