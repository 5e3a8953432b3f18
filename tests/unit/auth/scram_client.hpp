// A minimal SCRAM client (RFC 5802 §3) for the auth tests: computes the
// client-final-message and the expected server signature from a password.
#pragma once

#include <string>
#include <string_view>

#include "auth/base64.hpp"
#include "auth/credentials.hpp"
#include "auth/crypto.hpp"

namespace parley::auth::testing {

struct ClientFinal {
    std::string message;           // client-final-message, with p=
    std::string expected_success;  // "v=..." the server should answer
};

// Value of attribute `name` in a SCRAM message, "" if absent.
inline std::string scram_attr(std::string_view msg, char name) {
    std::size_t pos = 0;
    while (pos <= msg.size()) {
        std::size_t comma = msg.find(',', pos);
        std::string_view a = msg.substr(pos, comma == std::string_view::npos ? comma : comma - pos);
        if (a.size() >= 2 && a[0] == name && a[1] == '=') {
            return std::string(a.substr(2));
        }
        if (comma == std::string_view::npos) {
            break;
        }
        pos = comma + 1;
    }
    return {};
}

inline ClientFinal scram_client_final(Hash h, std::string_view password,
                                      std::string_view gs2_header, std::string_view cb_data,
                                      std::string_view client_first_bare,
                                      std::string_view server_first) {
    std::string salt = base64_decode(scram_attr(server_first, 's')).value_or("");
    int iterations = std::stoi(scram_attr(server_first, 'i'));
    std::string without_proof = "c=" + base64_encode(std::string(gs2_header) +
                                                     std::string(cb_data)) +
                                ",r=" + scram_attr(server_first, 'r');
    std::string auth_message = std::string(client_first_bare) + "," + std::string(server_first) +
                               "," + without_proof;
    std::string salted = crypto::pbkdf2(h, password, salt, iterations);
    std::string client_key = crypto::hmac(h, salted, "Client Key");
    std::string stored_key = crypto::digest(h, client_key);
    std::string signature = crypto::hmac(h, stored_key, auth_message);
    std::string server_key = crypto::hmac(h, salted, "Server Key");
    ClientFinal out;
    out.message = without_proof + ",p=" + base64_encode(crypto::xor_bytes(client_key, signature));
    out.expected_success = "v=" + base64_encode(crypto::hmac(h, server_key, auth_message));
    return out;
}

}  // namespace parley::auth::testing
