// ShareDB's wire protocol for the load generator (see sharedb_load_client.hpp; the messages are
// those of sharedb/lib/agent.js and client/connection.js, ShareDB 7).
#include "sharedb_load_client.hpp"

#include <nlohmann/json.hpp>

namespace coplan::bench {

using nlohmann::json;

namespace {
constexpr const char* text_type = "http://sharejs.org/types/text-unicode";
}

sharedb_load_client::sharedb_load_client(boost::asio::io_context& ioc, boost::asio::ip::tcp::endpoint endpoint,
                                         std::string doc, load_events* events, bool create_if_missing)
    : load_connection(ioc, endpoint, "/", "", events), doc_(std::move(doc)), create_if_missing_(create_if_missing) {}

void sharedb_load_client::on_open() { send(R"({"a":"hs","id":null})"); }

void sharedb_load_client::insert_token(std::uint64_t token) {
  pending_ = token_text(token) + pending_;  // a later insert at 0 goes before the earlier one
  pending_tokens_.push_back(token);
  flush();
}

void sharedb_load_client::flush() {
  if (inflight_seq_ || pending_.empty() || src_.empty()) return;
  inflight_seq_ = ++seq_;
  inflight_tokens_ = std::move(pending_tokens_);
  pending_tokens_.clear();
  send(json{{"a", "op"}, {"c", "docs"}, {"d", doc_}, {"v", version_}, {"src", src_}, {"seq", inflight_seq_},
            {"x", json::object()}, {"op", json::array({std::move(pending_)})}}
           .dump());
  pending_.clear();
}

void sharedb_load_client::on_message(std::string_view message) {
  auto m = json::parse(message);
  const auto& a = m["a"].get_ref<const std::string&>();
  if (a == "hs") {
    src_ = m["id"].get<std::string>();
    send(json{{"a", "s"}, {"c", "docs"}, {"d", doc_}}.dump());
  } else if (a == "s") {
    if (m.contains("error")) {
      if (events().failed) events().failed(*this, m["error"].dump());
      return;
    }
    const auto& data = m["data"];
    version_ = data["v"].get<std::uint64_t>();
    if (data.contains("type") && !data["type"].is_null()) return mark_ready();
    if (!create_if_missing_) {
      if (events().failed) events().failed(*this, "document " + doc_ + " does not exist");
      return;
    }
    creating_ = true;
    inflight_seq_ = ++seq_;
    send(json{{"a", "op"}, {"c", "docs"}, {"d", doc_}, {"v", version_}, {"src", src_}, {"seq", inflight_seq_},
              {"x", json::object()}, {"create", {{"type", text_type}, {"data", ""}}}}
             .dump());
  } else if (a == "op") {
    if (m.contains("error")) {
      if (events().failed) events().failed(*this, m["error"].dump());
      return;
    }
    auto v = m["v"].get<std::uint64_t>();
    bool mine = m.value("src", std::string()) == src_ && m.value("seq", std::uint64_t{0}) == inflight_seq_ &&
                !m.contains("op") && !m.contains("create");
    if (mine) {  // the acknowledgement of the op in flight, applied at version v
      version_ = std::max(version_, v + 1);
      inflight_seq_ = 0;
      if (creating_) {
        creating_ = false;
        mark_ready();
      } else {
        // The callbacks may type more (and send them): take the acknowledged tokens out first.
        auto done = std::move(inflight_tokens_);
        inflight_tokens_.clear();
        for (auto t : done)
          if (events().acked) events().acked(*this, t);
      }
      return flush();
    }
    if (v < version_) return;  // already seen (the submit reply repeats ops the stream also sends)
    version_ = v + 1;
    if (m.contains("op") && events().remote_text)
      for (const auto& c : m["op"])
        if (c.is_string()) events().remote_text(*this, c.get_ref<const std::string&>());
  }
}

}  // namespace coplan::bench
