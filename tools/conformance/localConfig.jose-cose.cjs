// localConfig.cjs for the W3C vc-jose-cose test suite: copy it to the suite checkout's root.
// vic implements vc+jwt and vc+cose credentials; SD-JWT and enveloped presentations are not
// implemented (`vic conformance jose-cose features` prints the same list).
module.exports = {
  settings: {enableInteropTests: false, testAllImplementations: false},
  implementations: [{
    name: 'vic',
    implementation: 'vic (vehicle inspection credentials)',
    'jose-cose': {
      features: {
        credential_jose: true,
        credential_cose: true,
        credential_sdjwt: false,
        presentation_jose: false,
        presentation_cose: false,
        presentation_sdjwt: false
      }
    }
  }]
};
