// sharedb_load_client: a load-generator client speaking ShareDB's JSON wire protocol (handshake,
// subscribe, op/ack) for an ot-text-unicode document, with the sharedb client's discipline: one op
// in flight per document; edits made meanwhile are composed into one pending op. It keeps the
// version, not the text (inserts at the start compose by concatenation, so no transform is needed
// on the client; the server transforms stale ops itself).
#pragma once
#include <vector>

#include "load_connection.hpp"

namespace coplan::bench {

class sharedb_load_client : public load_connection {
public:
  sharedb_load_client(boost::asio::io_context& ioc, boost::asio::ip::tcp::endpoint endpoint, std::string doc,
                      load_events* events, bool create_if_missing);

  void insert_token(std::uint64_t token) override;

protected:
  void on_open() override;
  void on_message(std::string_view message) override;

private:
  void flush();
  std::string doc_;
  bool create_if_missing_;
  std::string src_;
  std::uint64_t version_ = 0;
  std::uint64_t seq_ = 0;
  std::uint64_t inflight_seq_ = 0;  // 0: nothing in flight
  bool creating_ = false;
  std::vector<std::uint64_t> inflight_tokens_;
  std::string pending_;  // the composed pending insert
  std::vector<std::uint64_t> pending_tokens_;
};

}  // namespace coplan::bench
