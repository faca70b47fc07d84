"""Exchange with other systems' formats: HL7 FHIR R4 for referrals."""
