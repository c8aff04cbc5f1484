// Phone photos are large: before upload, anything over 1.5 MB is redrawn with its long side at most
// 2048 px as JPEG (which also drops EXIF data such as the photo's GPS position). A file this browser
// cannot decode is sent as it is: the server says what is wrong with it.
// Used by the citizen report page and the grid worker's forms: window.gridgovShrinkPhoto(file).
(function () {
  const MAX_SIDE = 2048;
  const SHRINK_ABOVE = 1.5 * 1024 * 1024;

  window.gridgovShrinkPhoto = async function (file) {
    if (!/^image\/(jpeg|png|webp)$/.test(file.type) || file.size <= SHRINK_ABOVE || !window.createImageBitmap) return file;
    try {
      const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
      const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      if (bitmap.close) bitmap.close();
      const blob = await new Promise((done) => canvas.toBlob(done, "image/jpeg", 0.85));
      if (!blob || blob.size >= file.size) return file;
      return new File([blob], file.name.replace(/\.[^.]*$/, "") + ".jpg", { type: "image/jpeg" });
    } catch (e) {
      return file;
    }
  };
})();
