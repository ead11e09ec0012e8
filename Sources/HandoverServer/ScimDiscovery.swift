import HandoverCore

/// SCIM's discovery documents (RFC 7643 §5–7), static and honest: what this server does,
/// and nothing it does not (no bulk, no ETags, no sorting).
enum ScimDiscovery {
    static let configSchema = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
    static let resourceTypeSchema = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
    static let schemaSchema = "urn:ietf:params:scim:schemas:core:2.0:Schema"

    static func serviceProviderConfig(maxResults: Int) -> JSONValue {
        .object([
            "schemas": .array([.string(configSchema)]),
            "patch": .object(["supported": .bool(true)]),
            "bulk": .object(["supported": .bool(false), "maxOperations": .number(0), "maxPayloadSize": .number(0)]),
            "filter": .object(["supported": .bool(true), "maxResults": .number(Double(maxResults))]),
            "changePassword": .object(["supported": .bool(false)]),
            "sort": .object(["supported": .bool(false)]),
            "etag": .object(["supported": .bool(false)]),
            "authenticationSchemes": .array([
                .object([
                    "type": .string("oauthbearertoken"), "name": .string("Bearer token"), "primary": .bool(true),
                    "description": .string("A connection's hscim_ token, made with 'handover admin scim-token --org ORG'."),
                ])
            ]),
            "meta": .object(["resourceType": .string("ServiceProviderConfig"), "location": .string("/scim/v2/ServiceProviderConfig")]),
        ])
    }

    static let userResourceType: JSONValue = .object([
        "schemas": .array([.string(resourceTypeSchema)]), "id": .string("User"), "name": .string("User"), "endpoint": .string("/Users"),
        "description": .string("A member of the organization"), "schema": .string(ScimRoutes.userSchema),
        "meta": .object(["resourceType": .string("ResourceType"), "location": .string("/scim/v2/ResourceTypes/User")]),
    ])

    static let groupResourceType: JSONValue = .object([
        "schemas": .array([.string(resourceTypeSchema)]), "id": .string("Group"), "name": .string("Group"), "endpoint": .string("/Groups"),
        "description": .string("A team; the organization's team-to-role mapping gives its members their role"),
        "schema": .string(ScimRoutes.groupSchema),
        "meta": .object(["resourceType": .string("ResourceType"), "location": .string("/scim/v2/ResourceTypes/Group")]),
    ])

    static let groupSchema: JSONValue = .object([
        "schemas": .array([.string(schemaSchema)]), "id": .string(ScimRoutes.groupSchema), "name": .string("Group"),
        "description": .string("A team: displayName is unique in the organization, members are users"),
        "attributes": .array([
            attribute("displayName", required: true, uniqueness: "server"),
            .object([
                "name": .string("members"), "type": .string("complex"), "multiValued": .bool(true), "required": .bool(false),
                "mutability": .string("readWrite"), "returned": .string("default"),
                "subAttributes": .array([attribute("value", mutability: "immutable"), attribute("display", mutability: "readOnly")]),
            ]),
        ]),
        "meta": .object(["resourceType": .string("Schema"), "location": .string("/scim/v2/Schemas/\(ScimRoutes.groupSchema)")]),
    ])

    static func attribute(_ name: String, type: String = "string", required: Bool = false, mutability: String = "readWrite", uniqueness: String = "none")
        -> JSONValue
    {
        .object([
            "name": .string(name), "type": .string(type), "multiValued": .bool(false), "required": .bool(required), "caseExact": .bool(false),
            "mutability": .string(mutability), "returned": .string("default"), "uniqueness": .string(uniqueness),
        ])
    }

    /// The User attributes kept: the rest of RFC 7643's User is accepted and ignored.
    static let userSchema: JSONValue = .object([
        "schemas": .array([.string(schemaSchema)]), "id": .string(ScimRoutes.userSchema), "name": .string("User"),
        "description": .string("A member: userName is their email, active is whether they may sign in"),
        "attributes": .array([
            attribute("userName", required: true, uniqueness: "server"),
            .object([
                "name": .string("name"), "type": .string("complex"), "multiValued": .bool(false), "required": .bool(false),
                "mutability": .string("readWrite"), "returned": .string("default"),
                "subAttributes": .array([attribute("formatted"), attribute("givenName"), attribute("familyName")]),
            ]),
            attribute("displayName", mutability: "readOnly"),
            .object([
                "name": .string("emails"), "type": .string("complex"), "multiValued": .bool(true), "required": .bool(false),
                "mutability": .string("readWrite"), "returned": .string("default"),
                "subAttributes": .array([attribute("value"), attribute("type"), attribute("primary", type: "boolean")]),
            ]),
            attribute("active", type: "boolean"),
        ]),
        "meta": .object(["resourceType": .string("Schema"), "location": .string("/scim/v2/Schemas/\(ScimRoutes.userSchema)")]),
    ])

    static func list(_ resources: [JSONValue]) -> JSONValue {
        .object([
            "schemas": .array([.string(ScimRoutes.listSchema)]), "totalResults": .number(Double(resources.count)),
            "startIndex": .number(1), "itemsPerPage": .number(Double(resources.count)), "Resources": .array(resources),
        ])
    }
}
