// localConfig.cjs for the verifier suites (vc-api-verifier, and the verifier rows of
// vc-data-model-2.0, vc-di-eddsa, vc-di-ecdsa, vc-bitstring-status-list): copy it to the suite
// checkout's root, with `vic serve verifier --any-issuer` listening on 127.0.0.1:8081.
const verifier = 'http://127.0.0.1:8081';
module.exports = {
  settings: {enableInteropTests: false, testAllImplementations: false},
  implementations: [{
    name: 'vic',
    implementation: 'vic (vehicle inspection credentials)',
    verifiers: [{
      id: `${verifier}/credentials/verify`,
      endpoint: `${verifier}/credentials/verify`,
      supportedEcdsaKeyTypes: ['P-256', 'P-384'],
      tags: ['vc-api', 'vc2.0', 'BitstringStatusList', 'eddsa-rdfc-2022',
        'eddsa-jcs-2022', 'ecdsa-rdfc-2019', 'ecdsa-jcs-2019']
    }],
    vpVerifiers: [{
      id: `${verifier}/presentations/verify`,
      endpoint: `${verifier}/presentations/verify`,
      supportedEcdsaKeyTypes: ['P-256', 'P-384'],
      tags: ['vc-api', 'vc2.0']
    }]
  }]
};
