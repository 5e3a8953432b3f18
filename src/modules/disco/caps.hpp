// XEP-0115 Entity Capabilities v1.6: §5.1 verification string generation
// (identities, features and XEP-0128 extended-info forms, sorted with
// "i;octet" collation, hashed with SHA-1 and encoded in Base64). Pure
// functions over plain values, so the algorithm can be checked against the
// examples of §5.2 and §5.3; any thread.
#pragma once

#include <string>
#include <vector>

namespace parley::mod::disco {

struct CapsIdentity {
    std::string category;
    std::string type;
    std::string lang;  // xml:lang, may be empty
    std::string name;  // may be empty
};

// One field of an XEP-0128 form (not the FORM_TYPE field).
struct CapsField {
    std::string var;
    std::vector<std::string> values;
};

// An XEP-0128 extended service discovery form.
struct CapsForm {
    std::string form_type;  // the <value/> of the hidden FORM_TYPE field
    std::vector<CapsField> fields;
};

// The string S of §5.1 steps 1-7, before hashing (UTF-8 in, UTF-8 out).
std::string caps_string(std::vector<CapsIdentity> identities, std::vector<std::string> features,
                        std::vector<CapsForm> forms = {});

// The 'ver' attribute: Base64(SHA-1(S)) (§5.1 steps 8-9, hash='sha-1').
std::string caps_ver_sha1(const std::vector<CapsIdentity>& identities,
                          const std::vector<std::string>& features,
                          const std::vector<CapsForm>& forms = {});

}  // namespace parley::mod::disco
