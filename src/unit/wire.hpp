// wire: builders for the messages the server sends on a unit's WebSocket (docs/protocol.md).
// Each returns the serialized text once, to be shared by every recipient.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "unit/unit_doc.hpp"

namespace coplan::unit::wire {

using message = std::shared_ptr<const std::string>;

nlohmann::json update_json(const text_update& u);
message updates(const std::string& stream, const std::vector<std::shared_ptr<const text_update>>& ups);
message pushed(const std::string& stream, bool ok, std::uint64_t version);
nlohmann::json command_json(const structure_update& u);
message command(const structure_update& u);
message command_ack(const std::string& client_id, std::uint64_t seq);
message error(const std::string& code, const std::string& text, const nlohmann::json& ref = nullptr);
message of(const nlohmann::json& j);

}  // namespace coplan::unit::wire
