"""schemathesis hooks for scripts/api-fuzz, loaded through SCHEMATHESIS_HOOKS.

schemathesis generates header values from letters and digits only, and gives up on a header whose
pattern needs anything else. If-Match needs double quotes (an entity-tag is `"v3"` or `W/"v3"`), and
4.32 then fills the header with a value that does not match its pattern ("0") yet counts the request
as valid. The spec names the header's format `entity-tag`; this teaches schemathesis to generate it.
"""

from hypothesis import strategies as st

import schemathesis

# etagc (RFC 9110 8.8.3) as the spec's pattern has it: visible ASCII except the double quote.
ETAG_CHARACTERS = "".join(chr(c) for c in range(0x21, 0x7F) if c != 0x22)

entity_tag = st.one_of(
    st.just("*"),
    # Tags this server issues, strong and weak: most are stale or weak, so 412; some match.
    st.builds(lambda weak, version: f'{weak}"v{version}"', st.sampled_from(["", "W/"]), st.integers(min_value=1, max_value=5)),
    st.builds(lambda weak, opaque: f'{weak}"{opaque}"', st.sampled_from(["", "W/"]), st.text(ETAG_CHARACTERS, max_size=12)),
)

schemathesis.openapi.format("entity-tag", entity_tag)
