// What an `attest --format json` report names: the images it signed and the images it skipped.
export const attestedImages = (report: { attestations: readonly { image: string }[] }): string[] => report.attestations.map((a) => a.image);
export const skippedImages = (report: { skipped: readonly { image: string }[] }): string[] => report.skipped.map((s) => s.image);
