@testable import Ingress
import Testing

/// The protocol's infer route, read from the path: the model and its version.
@Suite struct InferenceTargetTests {
    @Test func theModelAndItsVersionAreRead() {
        let plain = InferenceExchange.target(of: "/v2/models/classifier/infer")
        #expect(plain?.model == "classifier" && plain?.version == nil)
        let versioned = InferenceExchange.target(of: "/v2/models/sorter/versions/3/infer")
        #expect(versioned?.model == "sorter" && versioned?.version == "3")
        // Names that are the route's own words are names all the same.
        #expect(InferenceExchange.target(of: "/v2/models/versions/infer")?.model == "versions")
        #expect(InferenceExchange.target(of: "/v2/models/infer/infer")?.model == "infer")
        let keywords = InferenceExchange.target(of: "/v2/models/m/versions/infer/infer")
        #expect(keywords?.model == "m" && keywords?.version == "infer")
    }

    @Test func anythingElseIsNotTheRoute() {
        for path in ["", "/", "/v2/models", "/v2/models/", "/v2/models//infer", "/v2/models/m", "/v2/models/m/", "/v2/models/m/infer/",
                     "/v2/models/m/inference", "/v2/models/m/ready", "/v2/models/m/versions/infer", "/v2/models/m/versions//infer",
                     "/v2/models/m/versions/1", "/v2/models/m/versions/1/2/infer", "/v2/models/m/version/1/infer", "v2/models/m/infer",
                     "/v1/models/m/infer", "/v2/models/m/x/infer"] {
            #expect(InferenceExchange.target(of: path[...]) == nil, "\(path)")
        }
    }
}
