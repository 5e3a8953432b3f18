// XEP-0115 Entity Capabilities v1.6: §5.1 verification string generation.
#include "modules/disco/caps.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <tuple>

namespace parley::mod::disco {

namespace {

// "i;octet" collation (RFC 4790 §9.3) is a byte-wise comparison;
// std::char_traits<char>::compare compares as unsigned char, which is exactly that.
void append(std::string& s, const std::string& part) {
    s += part;
    s += '<';
}

}  // namespace

std::string caps_string(std::vector<CapsIdentity> identities, std::vector<std::string> features,
                        std::vector<CapsForm> forms) {
    std::string s;  // step 1
    // Step 2: sort by category, type, xml:lang (and name, so the order is total).
    std::sort(identities.begin(), identities.end(), [](const auto& a, const auto& b) {
        return std::tie(a.category, a.type, a.lang, a.name) <
               std::tie(b.category, b.type, b.lang, b.name);
    });
    // Step 3: category/type/lang/name, every slash present even when a part is empty.
    for (const auto& id : identities) {
        append(s, id.category + '/' + id.type + '/' + id.lang + '/' + id.name);
    }
    // Steps 4-5.
    std::sort(features.begin(), features.end());
    for (const auto& f : features) {
        append(s, f);
    }
    // Steps 6-7: forms by FORM_TYPE, fields by var, values by text.
    std::sort(forms.begin(), forms.end(),
              [](const auto& a, const auto& b) { return a.form_type < b.form_type; });
    for (auto& form : forms) {
        append(s, form.form_type);
        std::sort(form.fields.begin(), form.fields.end(),
                  [](const auto& a, const auto& b) { return a.var < b.var; });
        for (auto& field : form.fields) {
            append(s, field.var);
            std::sort(field.values.begin(), field.values.end());
            for (const auto& v : field.values) {
                append(s, v);
            }
        }
    }
    return s;  // step 8: already UTF-8, as every string in an Element is
}

std::string caps_ver_sha1(const std::vector<CapsIdentity>& identities,
                          const std::vector<std::string>& features,
                          const std::vector<CapsForm>& forms) {
    const std::string s = caps_string(identities, features, forms);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    if (EVP_Digest(s.data(), s.size(), digest, &digest_len, EVP_sha1(), nullptr) != 1) {
        return {};  // only on allocation failure inside OpenSSL; the caller treats "" as no caps
    }
    // Step 9: Base64 of the binary digest, no whitespace (RFC 4648 §4).
    std::string out(4 * ((digest_len + 2) / 3), '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), digest,
                                  static_cast<int>(digest_len));
    out.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
    return out;
}

}  // namespace parley::mod::disco
