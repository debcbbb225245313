/** Image references: validation against distribution's grammar, and their place in API paths. */
import { EngineError } from '../engine.js';

/** Distribution's reference grammar (what `docker pull` accepts), so a bad name fails before the engine. */
const REFERENCE =
  /^((?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::([\w][\w.-]{0,127}))?(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}))?$/;

export function parseReference(image: string): { name: string; tag?: string; digest?: string } {
  const m = REFERENCE.exec(image);
  if (!m || m[1].length > 255) {
    throw new EngineError(
      'InvalidImageName',
      `invalid image name ${JSON.stringify(image)}: invalid reference format`,
    );
  }
  return { name: m[1], tag: m[2], digest: m[3] };
}

/** The engine routes `/images/{name}/json` with slashes in the name left as they are. */
export function imagePath(image: string): string {
  return image.split('/').map(encodeURIComponent).join('/').replace(/%3A/gi, ':').replace(/%40/gi, '@');
}
