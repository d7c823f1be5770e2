import type { NetworkWeights } from '../artifacts';
import { tf } from '../tf/backend';
// A stored network may hold any of the deep families' custom layers: each module registers its classes for loading.
import './networks/attention';
import './networks/layers';
import './networks/lstm';

/** A trained network to the stored form (topology + weight bytes) and back: what training saves and prediction loads. */

export async function serializeNetwork(model: tf.LayersModel): Promise<NetworkWeights> {
  let saved: NetworkWeights | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData;
      const buffer = Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : (data as ArrayBuffer);
      saved = { modelTopology: artifacts.modelTopology as object, weightSpecs: artifacts.weightSpecs ?? [], weightData: new Uint8Array(buffer.slice(0)) };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!saved) throw new Error('The trained network could not be saved.');
  return saved;
}

export async function loadNetwork(weights: NetworkWeights) {
  const bytes = weights.weightData;
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: weights.modelTopology, weightSpecs: weights.weightSpecs as tf.io.WeightsManifestEntry[], weightData: buffer }),
  );
}
